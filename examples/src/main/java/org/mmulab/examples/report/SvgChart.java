// SPDX-License-Identifier: GPL-2.0-only
package org.mmulab.examples.report;

import java.util.List;
import java.util.Locale;

/**
 * A line chart as inline SVG: linear axes with "nice" ticks (1, 2 or 5 times a power of ten),
 * axis labels, one polyline with point markers per series, and a legend. No library: the
 * report pages must stand alone (no network), and the charts are small.
 */
public final class SvgChart {
    /** One line: its name in the legend and its points. */
    public record Series(String name, double[] xs, double[] ys) {
        public Series {
            if (xs.length != ys.length) {
                throw new IllegalArgumentException(name + ": " + xs.length + " x values, " + ys.length + " y values");
            }
        }
    }

    /** A linear map from [d0, d1] (data) to [r0, r1] (pixels). */
    public record Scale(double d0, double d1, double r0, double r1) {
        public double map(double v) {
            return d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) * (r1 - r0) / (d1 - d0);
        }
    }

    /** The colours of the series, in order (colour-blind safe, Okabe-Ito). */
    static final String[] COLOURS = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};

    static final int WIDTH = 560;
    static final int HEIGHT = 300;
    static final int LEFT = 64;
    static final int RIGHT = 16;
    static final int TOP = 34;
    static final int BOTTOM = 48;
    /** Up to this many points a series marks each with a dot; a longer one (a time series) is a line only. */
    static final int MARKED = 60;

    private SvgChart() {}

    /**
     * Ticks for [lo, hi]: about {@code count} values at a step of 1, 2 or 5 times a power of ten,
     * from the last multiple of the step at or below lo to the first at or above hi. An empty or
     * one-point range grows to [lo, lo + 1] (or [0, 1]).
     */
    public static double[] ticks(double lo, double hi, int count) {
        return ticks(lo, hi, count, false);
    }

    /** {@link #ticks(double, double, int)}, with a step of at least 1 when {@code whole} (rounds are counted). */
    public static double[] ticks(double lo, double hi, int count, boolean whole) {
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        double raw = (hi - lo) / Math.max(1, count);
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
        if (whole) {
            step = Math.max(1, step);
        }
        double first = Math.floor(lo / step + 1e-9) * step;
        double last = Math.ceil(hi / step - 1e-9) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = clean(first + i * step);
        }
        return t;
    }

    /** Rounds away the float noise of a tick (0.30000000000000004 is 0.3). */
    private static double clean(double v) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.10g", v));
    }

    /** A tick's label: an integer without a point, else up to 6 significant digits. */
    public static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        if (s.contains(".") && !s.contains("e")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    /** The {@code d} of a path through the points on the scales: {@code M x y L x y ...}. */
    public static String path(double[] xs, double[] ys, Scale x, Scale y) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < xs.length; i++) {
            b.append(i == 0 ? "M" : " L").append(num(x.map(xs[i]))).append(' ').append(num(y.map(ys[i])));
        }
        return b.toString();
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** The chart as an {@code <svg>} element (well-formed XML, the SVG namespace on it). */
    public static String svg(String title, String xLabel, String yLabel, List<Series> series) {
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymax = 0;
        double ymin = 0; // the y axis starts at zero: these are counts and times
        for (Series s : series) {
            for (int i = 0; i < s.xs().length; i++) {
                xmin = Math.min(xmin, s.xs()[i]);
                xmax = Math.max(xmax, s.xs()[i]);
                ymax = Math.max(ymax, s.ys()[i]);
                ymin = Math.min(ymin, s.ys()[i]);
            }
        }
        if (xmin > xmax) {
            xmin = 0;
            xmax = 1;
        }
        boolean whole = true;
        for (Series s : series) {
            for (double v : s.xs()) {
                whole &= v == Math.rint(v);
            }
        }
        double[] xt = ticks(xmin, xmax, 8, whole);
        boolean wholeY = true;
        for (Series s : series) {
            for (double v : s.ys()) {
                wholeY &= v == Math.rint(v);
            }
        }
        double[] yt = ticks(ymin, ymax, 5, wholeY); // counts: no 0.2 of a flush
        int legendRows = series.size();
        int height = HEIGHT + 16 * legendRows;
        int plotBottom = HEIGHT - BOTTOM;
        Scale x = new Scale(xt[0], xt[xt.length - 1], LEFT, WIDTH - RIGHT);
        Scale y = new Scale(yt[0], yt[yt.length - 1], plotBottom, TOP);
        StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(Xml.esc(title)).append("\">\n");
        b.append("<title>").append(Xml.esc(title)).append("</title>\n");
        b.append("<text class=\"title\" x=\"").append(WIDTH / 2).append("\" y=\"18\" text-anchor=\"middle\">")
                .append(Xml.esc(title)).append("</text>\n");
        // grid and y ticks
        for (double t : yt) {
            String py = num(y.map(t));
            b.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                    .append(py).append("\" y2=\"").append(py).append("\"/>\n");
            b.append("<text class=\"tick y\" x=\"").append(LEFT - 6).append("\" y=\"").append(py)
                    .append("\" text-anchor=\"end\" dominant-baseline=\"middle\">").append(label(t)).append("</text>\n");
        }
        for (double t : xt) {
            String px = num(x.map(t));
            b.append("<line class=\"tickmark\" x1=\"").append(px).append("\" x2=\"").append(px).append("\" y1=\"")
                    .append(plotBottom).append("\" y2=\"").append(plotBottom + 5).append("\"/>\n");
            b.append("<text class=\"tick x\" x=\"").append(px).append("\" y=\"").append(plotBottom + 18)
                    .append("\" text-anchor=\"middle\">").append(label(t)).append("</text>\n");
        }
        b.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"")
                .append(plotBottom).append("\" y2=\"").append(plotBottom).append("\"/>\n");
        b.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" x2=\"").append(LEFT).append("\" y1=\"").append(TOP)
                .append("\" y2=\"").append(plotBottom).append("\"/>\n");
        b.append("<text class=\"label\" x=\"").append((LEFT + WIDTH - RIGHT) / 2).append("\" y=\"").append(plotBottom + 38)
                .append("\" text-anchor=\"middle\">").append(Xml.esc(xLabel)).append("</text>\n");
        b.append("<text class=\"label\" transform=\"translate(14 ").append((TOP + plotBottom) / 2)
                .append(") rotate(-90)\" text-anchor=\"middle\">").append(Xml.esc(yLabel)).append("</text>\n");
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            b.append("<g class=\"series\" data-name=\"").append(Xml.esc(s.name())).append("\" data-points=\"")
                    .append(s.xs().length).append("\">\n");
            // every other line dashed: a line drawn over an equal one (pages sent = pages dirtied) leaves it visible
            String dash = i % 2 == 1 ? "\" stroke-dasharray=\"7 4" : "";
            b.append("<path fill=\"none\" stroke=\"").append(colour).append(dash).append("\" stroke-width=\"2\" d=\"")
                    .append(path(s.xs(), s.ys(), x, y)).append("\"/>\n");
            for (int k = 0; s.xs().length <= MARKED && k < s.xs().length; k++) {
                b.append("<circle cx=\"").append(num(x.map(s.xs()[k]))).append("\" cy=\"").append(num(y.map(s.ys()[k])))
                        .append("\" r=\"3\" fill=\"").append(colour).append("\"><title>").append(Xml.esc(s.name()))
                        .append(": ").append(label(s.xs()[k])).append(", ").append(label(s.ys()[k])).append("</title></circle>\n");
            }
            b.append("</g>\n");
            int ly = HEIGHT + 16 * i - 2;
            b.append("<g class=\"legend\"><line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + 24).append("\" y1=\"")
                    .append(ly).append("\" y2=\"").append(ly).append("\" stroke=\"").append(colour).append(dash)
                    .append("\" stroke-width=\"2\"/><text x=\"").append(LEFT + 30).append("\" y=\"").append(ly)
                    .append("\" dominant-baseline=\"middle\">").append(Xml.esc(s.name())).append("</text></g>\n");
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** The series of {@code ys} at x = 1, 2, 3, ... */
    public static Series indexed(String name, List<? extends Number> ys) {
        double[] x = new double[ys.size()];
        double[] y = new double[ys.size()];
        for (int i = 0; i < ys.size(); i++) {
            x[i] = i + 1;
            y[i] = ys.get(i).doubleValue();
        }
        return new Series(name, x, y);
    }

}
