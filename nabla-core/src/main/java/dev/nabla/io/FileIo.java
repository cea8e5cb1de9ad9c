package dev.nabla.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** Plumbing shared by the file formats: exact reads, strict UTF-8, atomic writes. */
final class FileIo {
    /** Size of the staging buffer used to stream tensor data in and out (a multiple of every element width). */
    static final int CHUNK = 1 << 20;

    private FileIo() {}

    /** Something that fills a freshly created file. */
    @FunctionalInterface
    interface Writer {
        void write(FileChannel ch) throws IOException;
    }

    /**
     * Writes {@code file} atomically: the content goes to a temporary file in the same directory, is forced
     * to disk, then renamed over {@code file}, so a reader sees either the old file or the whole new one.
     * The temporary file is created with default permissions (not the owner-only ones of
     * {@code Files.createTempFile}), so the result is as readable as any other new file.
     */
    static void writeAtomically(Path file, Writer writer) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null) throw new IOException(file + ": cannot write a file without a parent directory");
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * {@code e} if its message already names {@code file} (as NoSuchFileException and the formats' own errors
     * do), else an IOException that does (e.g. the JDK's bare "Is a directory").
     */
    static IOException named(Path file, IOException e) {
        String msg = e.getMessage();
        if (msg != null && msg.contains(file.toString())) return e;
        return new IOException(file + ": " + msg, e);
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Fills {@code buf} from {@code position}; false if the file ends first. */
    static boolean readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) return false;
            pos += r;
        }
        return true;
    }

    /** Decodes UTF-8, refusing malformed input instead of replacing it; null if it is not valid UTF-8. */
    static String strictUtf8(ByteBuffer bytes) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Float32 to bfloat16 bits, rounding to nearest even as PyTorch does (NaN becomes the canonical 0x7FC0). */
    static short toBfloat16(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7FFFFFFF) > 0x7F800000) return (short) 0x7FC0;
        return (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
    }

    static float fromBfloat16(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }
}
