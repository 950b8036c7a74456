package io.peermesh.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the benchmark found: table rows (with targets, PASS/MISS and the ratio to the target)
 * and the raw figures per section, written as results.json and as a Markdown table.
 */
final class Report {

    /** How a measured value compares with its target. */
    enum Goal { AT_MOST, AT_LEAST, NONE }

    record Row(String id, String measure, String result, Double value, String unit, String target, Double targetValue,
            Goal goal, String status, Double ratio, String note) {
    }

    final List<Row> rows = new ArrayList<>();
    final Map<String, Object> sections = new LinkedHashMap<>();
    final Map<String, Object> machine = new LinkedHashMap<>();
    /** Tables of their own (Markdown), printed after the main one: title to table. */
    final Map<String, String> tables = new LinkedHashMap<>();

    /** A row with a target: status PASS/MISS, ratio = measured / target. */
    Row target(String id, String measure, double value, String unit, String result, Goal goal, double targetValue,
            String target, String note) {
        String status;
        Double ratio = null;
        if (Double.isNaN(value)) {
            status = "MISS";
        } else {
            boolean ok = goal == Goal.AT_MOST ? value <= targetValue : value >= targetValue;
            status = ok ? "PASS" : "MISS";
            ratio = targetValue == 0 ? null : value / targetValue;
        }
        return add(new Row(id, measure, result, Double.isNaN(value) ? null : value, unit, target, targetValue, goal,
                status, ratio, note));
    }

    /** A row with a target that is a yes/no condition. */
    Row condition(String id, String measure, boolean ok, String result, String target, String note) {
        return add(new Row(id, measure, result, null, null, target, null, Goal.NONE, ok ? "PASS" : "MISS", null, note));
    }

    /** A row without a target. */
    Row info(String id, String measure, double value, String unit, String result, String note) {
        return add(new Row(id, measure, result, Double.isNaN(value) ? null : value, unit, "", null, Goal.NONE, "info",
                null, note));
    }

    /** A row without a target that says so in the target column ("—"). */
    Row info(String id, String measure, double value, String unit, String result, String target, String note) {
        return add(new Row(id, measure, result, Double.isNaN(value) ? null : value, unit, target, null, Goal.NONE, "info",
                null, note));
    }

    /** A row for something that could not be measured. */
    Row failed(String id, String measure, String target, String why) {
        return add(new Row(id, measure, "not measured", null, null, target, null, Goal.NONE, target.isEmpty() ? "n/a" : "MISS",
                null, why));
    }

    private synchronized Row add(Row r) {
        rows.add(r);
        return r;
    }

    synchronized void section(String name, Object data) {
        sections.put(name, data);
    }

    static String ratioText(Row r) {
        if (r.ratio() == null) {
            return "";
        }
        return String.format("%.2f", r.ratio());
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| # | measure | result | target | ratio to target | status | notes |\n");
        b.append("|---|---|---|---|---|---|---|\n");
        for (Row r : sortedRows()) {
            b.append("| ").append(r.id()).append(" | ").append(esc(r.measure())).append(" | ").append(esc(r.result()))
                    .append(" | ").append(esc(r.target())).append(" | ").append(ratioText(r)).append(" | ")
                    .append(r.status()).append(" | ").append(esc(r.note() == null ? "" : r.note())).append(" |\n");
        }
        tables.forEach((title, table) -> b.append("\n").append(title).append("\n\n").append(table));
        return b.toString();
    }

    /** A fixed-width table for the console. */
    String console() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"#", "measure", "result", "target", "ratio", "status"});
        for (Row r : sortedRows()) {
            cells.add(new String[] {r.id(), r.measure(), r.result(), r.target(), ratioText(r), r.status()});
        }
        int[] w = new int[6];
        for (String[] c : cells) {
            for (int i = 0; i < 6; i++) {
                w[i] = Math.max(w[i], Math.min(c[i].length(), i == 1 ? 58 : 44));
            }
        }
        StringBuilder b = new StringBuilder();
        for (int row = 0; row < cells.size(); row++) {
            String[] c = cells.get(row);
            for (int i = 0; i < 6; i++) {
                String v = c[i].length() > w[i] ? c[i].substring(0, w[i] - 1) + "~" : c[i];
                b.append(String.format("%-" + w[i] + "s", v)).append(i < 5 ? " | " : "");
            }
            b.append('\n');
            if (row == 0) {
                for (int i = 0; i < 6; i++) {
                    b.append("-".repeat(w[i])).append(i < 5 ? "-+-" : "");
                }
                b.append('\n');
            }
        }
        tables.forEach((title, table) -> b.append("\n").append(title).append("\n\n").append(table));
        b.append("\nnotes:\n");
        for (Row r : sortedRows()) {
            if (r.note() != null && !r.note().isEmpty()) {
                b.append("  ").append(r.id()).append(": ").append(r.note()).append('\n');
            }
        }
        return b.toString();
    }

    private List<Row> sortedRows() {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> compareIds(a.id(), b.id()));
        return sorted;
    }

    /** "1a" < "1b" < "2a" < "10a": numeric prefix, then the rest. */
    private static int compareIds(String a, String b) {
        int na = leadingNumber(a);
        int nb = leadingNumber(b);
        return na != nb ? Integer.compare(na, nb) : a.compareTo(b);
    }

    private static int leadingNumber(String s) {
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        return i == 0 ? Integer.MAX_VALUE : Integer.parseInt(s.substring(0, i));
    }

    private static String esc(String s) {
        return s.replace("|", "\\|");
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("machine", machine);
        List<Map<String, Object>> table = new ArrayList<>();
        for (Row r : sortedRows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("measure", r.measure());
            m.put("result", r.result());
            m.put("value", r.value());
            m.put("unit", r.unit());
            m.put("target", r.target());
            m.put("targetValue", r.targetValue());
            m.put("goal", r.goal().name());
            m.put("status", r.status());
            m.put("ratioToTarget", r.ratio());
            m.put("note", r.note());
            table.add(m);
        }
        all.put("table", table);
        all.put("tables", tables);
        all.put("sections", sections);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(dir.resolve("results.json").toFile(), all);
        Files.writeString(dir.resolve("table.md"), markdown());
    }
}
