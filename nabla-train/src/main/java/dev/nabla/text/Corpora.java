package dev.nabla.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Text corpora as bytes. */
public final class Corpora {
    private Corpora() {}

    /** The bytes of a file; errors name it. */
    public static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("Corpora.read: cannot read " + file + " (" + e + ")", e);
        }
    }

    /**
     * The reference text of shared/WORKLOADS.md, as the peer script's {@code load_text()} builds it: every
     * plain-text (strict UTF-8 decodable, no NUL byte) regular file under {@code /usr/share/common-licenses}
     * and {@code /usr/share/doc/*}{@code /copyright}, in sorted path order, each real path once, concatenated.
     */
    public static byte[] commonLicenses() throws IOException {
        return commonLicenses(Path.of("/usr/share"));
    }

    /** {@link #commonLicenses()} with {@code usrShare} in place of /usr/share (for tests). */
    public static byte[] commonLicenses(Path usrShare) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 24);
        List<Path> files = commonLicenseFiles(usrShare, out);
        if (files.isEmpty())
            throw new IOException("Corpora.commonLicenses: no plain-text file under " + usrShare.resolve("common-licenses")
                    + " or " + usrShare.resolve("doc") + "/*/copyright");
        return out.toByteArray();
    }

    /** The files {@link #commonLicenses(Path)} concatenates, in order. */
    public static List<Path> commonLicenseFiles(Path usrShare) throws IOException {
        return commonLicenseFiles(usrShare, null);
    }

    /**
     * Mirrors the script step by step: candidates are every entry of common-licenses (hidden ones too, as
     * os.listdir) and doc/X/copyright for every non-hidden X (as glob's '*'); sorted by path string in code
     * point order (Python's sort); kept if it is a regular file after following symlinks (os.path.isfile),
     * its real path was not seen before (the first path in sorted order wins), it can be read, has no NUL byte
     * and decodes as strict UTF-8.
     */
    private static List<Path> commonLicenseFiles(Path usrShare, ByteArrayOutputStream sink) throws IOException {
        String root = usrShare.toString();
        TreeSet<String> candidates = new TreeSet<>(Corpora::compareCodePoints);
        Path licenses = usrShare.resolve("common-licenses");
        if (Files.isDirectory(licenses)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(licenses)) {
                for (Path p : ds) candidates.add(root + "/common-licenses/" + p.getFileName());
            }
        }
        Path doc = usrShare.resolve("doc");
        if (Files.isDirectory(doc)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(doc)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (!name.startsWith(".") && Files.isDirectory(p)) candidates.add(root + "/doc/" + name + "/copyright");
                }
            }
        }
        Set<Path> seen = new HashSet<>();
        List<Path> kept = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        for (String s : candidates) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p)) continue;
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                continue;
            }
            if (!seen.add(real)) continue;
            byte[] b;
            try {
                b = Files.readAllBytes(p);
            } catch (IOException e) {
                continue;
            }
            if (hasNul(b)) continue;
            try {
                utf8.reset().decode(ByteBuffer.wrap(b));
            } catch (CharacterCodingException e) {
                continue;
            }
            kept.add(p);
            if (sink != null) sink.write(b, 0, b.length);
        }
        return kept;
    }

    private static boolean hasNul(byte[] b) {
        for (byte x : b) if (x == 0) return true;
        return false;
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
