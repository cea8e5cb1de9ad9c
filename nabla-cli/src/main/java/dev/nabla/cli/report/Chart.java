package dev.nabla.cli.report;

import dev.nabla.train.History;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The training curves as one PNG: a panel for the loss and one per metric, each with the training and (when
 * there is validation data) the validation curve over epochs. Drawn with XChart, headless.
 */
public final class Chart {
    private static final int PANEL_W = 560, PANEL_H = 340;

    private Chart() {}

    /** Writes the chart of {@code history}'s {@code loss} and {@code metrics} (and their {@code val_} twins). */
    public static void write(History history, List<String> metrics, Path png) throws IOException {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        List<String> figures = new ArrayList<>();
        figures.add("loss");
        for (String m : metrics) if (history.keys().contains(m) || history.keys().contains("val_" + m)) figures.add(m);
        int cols = Math.min(2, figures.size()), rows = (figures.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(cols * PANEL_W, rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        double[] epochs = history.series("epoch");
        for (int i = 0; i < epochs.length; i++) if (Double.isNaN(epochs[i])) epochs[i] = i + 1;
        for (int k = 0; k < figures.size(); k++) {
            String f = figures.get(k);
            XYChart c = new XYChartBuilder().width(PANEL_W).height(PANEL_H).title(f).xAxisTitle("epoch").yAxisTitle(f).build();
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            c.getStyler().setChartBackgroundColor(Color.WHITE);
            c.getStyler().setXAxisDecimalPattern("0");
            c.getStyler().setYAxisDecimalPattern("0.####"); // 0.4546, not 0.454569945017497
            boolean any = add(c, "train", epochs, history.series(f));
            any |= add(c, "val", epochs, history.series("val_" + f));
            if (!any) continue;
            g.drawImage(BitmapEncoder.getBufferedImage(c), (k % cols) * PANEL_W, (k / cols) * PANEL_H, null);
        }
        g.dispose();
        Path abs = png.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(out, "png", tmp.toFile())) throw new IOException("no PNG writer available");
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Adds the finite points of a series; false when it has none. */
    private static boolean add(XYChart c, String name, double[] x, double[] y) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int i = 0; i < y.length; i++)
            if (Double.isFinite(y[i])) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
        if (xs.isEmpty()) return false;
        c.addSeries(name, xs, ys);
        return true;
    }
}
