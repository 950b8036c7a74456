package io.peermesh.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The two PNG charts (XChart). */
final class Charts {

    private Charts() {
    }

    /** One convergence series: N and the median, min and max time to a full mesh (ms). */
    record Series(String name, double[] n, double[] median, double[] min, double[] max) {
    }

    static void convergence(Path file, List<Series> series, double[][] targets, double[][] failed) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Time to full mesh vs N (loopback, 2 cores; median, bars = min..max)")
                .xAxisTitle("N (nodes)").yAxisTitle("time to full mesh (ms)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(8);
        for (Series s : series) {
            if (s.n().length == 0) {
                continue;
            }
            double[] err = new double[s.n().length];
            for (int i = 0; i < err.length; i++) {
                err[i] = Math.max(s.max()[i] - s.median()[i], s.median()[i] - s.min()[i]);
            }
            XYSeries xy = chart.addSeries(s.name(), s.n(), s.median(), err);
            xy.setMarker(SeriesMarkers.CIRCLE);
        }
        if (targets.length > 0) {
            double[] tx = new double[targets.length];
            double[] ty = new double[targets.length];
            for (int i = 0; i < targets.length; i++) {
                tx[i] = targets[i][0];
                ty[i] = targets[i][1];
            }
            XYSeries t = chart.addSeries("target", tx, ty);
            t.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            t.setMarker(SeriesMarkers.DIAMOND);
        }
        if (failed.length > 0) {
            double[] fx = new double[failed.length];
            double[] fy = new double[failed.length];
            for (int i = 0; i < failed.length; i++) {
                fx[i] = failed[i][0];
                fy[i] = failed[i][1];
            }
            XYSeries f = chart.addSeries("no full mesh by the deadline (plotted at it)", fx, fy);
            f.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            f.setMarker(SeriesMarkers.CROSS);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** RTT by percentile, node vs raw echo (log scale of latency). */
    static void rtt(Path file, Map<String, long[]> sortedNanos) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("Ping round trip on loopback: node vs raw Vert.x echo (sequential, after warm-up)")
                .xAxisTitle("percentile").yAxisTitle("round trip (us, log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(0);
        for (Map.Entry<String, long[]> e : sortedNanos.entrySet()) {
            long[] s = e.getValue();
            int points = 400;
            double[] x = new double[points + 3];
            double[] y = new double[points + 3];
            for (int i = 0; i < points; i++) {
                double p = 0.25 * (i + 1); // 0.25 .. 100 in steps of 0.25
                x[i] = Math.min(p, 99.75);
                y[i] = Stats.percentile(s, x[i]) / 1000.0;
            }
            x[points] = 99.9;
            y[points] = Stats.percentile(s, 99.9) / 1000.0;
            x[points + 1] = 99.99;
            y[points + 1] = Stats.percentile(s, 99.99) / 1000.0;
            x[points + 2] = 100;
            y[points + 2] = s[s.length - 1] / 1000.0;
            java.util.Arrays.sort(x);
            java.util.Arrays.sort(y);
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
