package dev.llmbudget.agent.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script and nothing fetched, so
 * it can be mailed, archived or opened offline. One bar per user ({@code <g class="user-bar">}) of
 * spend against budget, the global budget above them, and a bar per model of spend.
 */
final class HtmlReport {

  private static final int WIDTH = 720;
  private static final int LABEL = 200;
  private static final int BAR = 360;
  private static final int ROW = 28;

  private HtmlReport() {}

  static String render(Report report) {
    StringBuilder h = new StringBuilder(8192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<title>llm-budget report</title>\n<style>\n")
        .append("body{font-family:system-ui,sans-serif;margin:24px;color:#1f2328;background:#fff}\n")
        .append("h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px} p.meta{color:#656d76;margin:0}\n")
        .append("svg text{font-size:12px;fill:#1f2328} .track{fill:#eaeef2} .spend{fill:#2da44e}\n")
        .append(".warn .spend{fill:#bf8700} .over .spend{fill:#cf222e} .nolimit .spend{fill:#6e7781} .model{fill:#0969da}\n")
        .append("table{border-collapse:collapse;margin-top:8px} td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eaeef2}\n")
        .append("td:first-child,th:first-child{text-align:left}\n")
        .append("</style></head><body>\n");
    h.append("<h1>LLM spend</h1>\n<p class=\"meta\">").append(esc(report.store())).append(" &middot; ")
        .append(esc(report.at().truncatedTo(ChronoUnit.SECONDS).toString())).append("</p>\n");

    if (report.global() != null) {
      h.append("<h2>Global budget</h2>\n");
      h.append(svg(1, List.of(bar("global-bar", report.global(), BigDecimal.ONE))));
    }

    h.append("<h2>Users (").append(report.users().size()).append(")</h2>\n");
    BigDecimal maxUnlimited = BigDecimal.ZERO;
    for (Report.Row r : report.users()) {
      if (r.budget() == null && r.spent().compareTo(maxUnlimited) > 0) {
        maxUnlimited = r.spent();
      }
    }
    List<String> bars = new ArrayList<>();
    for (Report.Row r : report.users()) {
      bars.add(bar("user-bar", r, maxUnlimited));
    }
    h.append(bars.isEmpty() ? "<p>No user budgets.</p>\n" : svg(bars.size(), bars));

    Map<String, BigDecimal> models = report.modelSpend();
    h.append("<h2>Spend by model</h2>\n");
    if (models.isEmpty()) {
      h.append("<p>Nothing spent yet.</p>\n");
    } else {
      BigDecimal max = models.values().stream().max(BigDecimal::compareTo).orElse(BigDecimal.ONE);
      List<Map.Entry<String, BigDecimal>> sorted = new ArrayList<>(models.entrySet());
      sorted.sort(Map.Entry.<String, BigDecimal>comparingByValue().reversed());
      List<String> modelBars = new ArrayList<>();
      for (Map.Entry<String, BigDecimal> e : sorted) {
        int w = scale(e.getValue(), max);
        modelBars.add("<g class=\"model-bar\" data-model=\"" + esc(e.getKey()) + "\">"
            + "<text x=\"0\" y=\"17\">" + esc(e.getKey()) + "</text>"
            + "<rect class=\"model\" x=\"" + LABEL + "\" y=\"4\" width=\"" + w + "\" height=\"18\"/>"
            + "<text x=\"" + (LABEL + w + 6) + "\" y=\"17\">" + Report.dollars(e.getValue()) + "</text></g>");
      }
      h.append(svg(modelBars.size(), modelBars));
    }

    if (report.days() != null) {
      h.append("<h2>Spend per day (last ").append(Report.HISTORY_DAYS).append(" days)</h2>\n");
      h.append(report.days().isEmpty() ? "<p>No charges in the ledger in these days.</p>\n" : dayChart(report.days()));
    }

    h.append("<h2>Table</h2>\n<table><tr><th>user</th><th>spent</th><th>budget</th><th>used</th>"
        + "<th>resets</th><th>next reset</th></tr>\n");
    List<Report.Row> all = new ArrayList<>();
    if (report.global() != null) {
      all.add(report.global());
    }
    all.addAll(report.users());
    for (Report.Row r : all) {
      BigDecimal pct = r.percentUsed();
      h.append("<tr><td>").append(esc(r.name())).append("</td><td>").append(Report.dollars(r.spent()))
          .append("</td><td>").append(r.budget() == null ? "-" : Report.dollars(r.budget()))
          .append("</td><td>").append(pct == null ? "-" : pct.toPlainString() + "%")
          .append("</td><td>").append(esc(Report.duration(r.snapshot().duration())))
          .append("</td><td>").append(r.snapshot().nextReset() == null ? "-"
              : esc(r.snapshot().nextReset().truncatedTo(ChronoUnit.SECONDS).toString()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n</body></html>\n");
    return h.toString();
  }

  /**
   * A column per day with spend ({@code <g class="day-bar" data-day="2026-11-29">}), heights to
   * scale against the dearest day, the date under every column and the amount in its title.
   */
  private static String dayChart(List<dev.llmbudget.store.SpendHistory.Day> days) {
    int col = 22;
    int height = 160;
    BigDecimal max = days.stream().map(dev.llmbudget.store.SpendHistory.Day::cost).max(BigDecimal::compareTo)
        .orElse(BigDecimal.ONE);
    StringBuilder sb = new StringBuilder();
    sb.append("<svg width=\"").append(Math.max(WIDTH, 60 + days.size() * col)).append("\" height=\"")
        .append(height + 70).append("\" role=\"img\">\n");
    sb.append("<text x=\"0\" y=\"12\">").append(Report.dollars(max)).append("</text>\n");
    for (int i = 0; i < days.size(); i++) {
      dev.llmbudget.store.SpendHistory.Day d = days.get(i);
      int h = max.signum() <= 0 ? 0 : d.cost().multiply(BigDecimal.valueOf(height)).divide(max, 0, RoundingMode.HALF_UP)
          .intValue();
      int x = 60 + i * col;
      sb.append("<g class=\"day-bar\" data-day=\"").append(d.day()).append("\"><title>").append(d.day()).append(": ")
          .append(Report.dollars(d.cost())).append(" in ").append(d.calls()).append(d.calls() == 1 ? " call" : " calls")
          .append("</title><rect class=\"model\" x=\"").append(x).append("\" y=\"").append(20 + height - h)
          .append("\" width=\"").append(col - 6).append("\" height=\"").append(h).append("\"/>")
          .append("<text transform=\"translate(").append(x + 12).append(',').append(height + 26)
          .append(") rotate(60)\">").append(d.day().toString().substring(5)).append("</text></g>\n");
    }
    return sb.append("</svg>\n").toString();
  }

  /**
   * One row: the name, a track for the budget, the spend drawn over it. A user without a limit is
   * drawn against the largest such spend ({@code unlimitedScale}), in grey.
   */
  private static String bar(String cls, Report.Row r, BigDecimal unlimitedScale) {
    BigDecimal pct = r.percentUsed();
    String state;
    int w;
    String label;
    if (pct == null) {
      state = "nolimit";
      w = scale(r.spent(), unlimitedScale);
      label = Report.dollars(r.spent()) + " (no limit)";
    } else {
      state = pct.compareTo(BigDecimal.valueOf(100)) >= 0 ? "over" : pct.compareTo(BigDecimal.valueOf(80)) >= 0 ? "warn" : "ok";
      w = scale(r.spent(), r.budget());
      label = Report.dollars(r.spent()) + " of " + Report.dollars(r.budget()) + " (" + pct.toPlainString() + "%)";
    }
    return "<g class=\"" + cls + " " + state + "\" data-user=\"" + esc(r.name()) + "\">"
        + "<title>" + esc(r.name() + ": " + label) + "</title>"
        + "<text x=\"0\" y=\"17\">" + esc(truncate(r.name())) + "</text>"
        + "<rect class=\"track\" x=\"" + LABEL + "\" y=\"4\" width=\"" + BAR + "\" height=\"18\"/>"
        + "<rect class=\"spend\" x=\"" + LABEL + "\" y=\"4\" width=\"" + w + "\" height=\"18\"/>"
        + "<text x=\"" + (LABEL + BAR + 8) + "\" y=\"17\">" + esc(label) + "</text></g>";
  }

  /** {@code value / max} of the bar's width, capped at the full width; a zero max draws nothing. */
  private static int scale(BigDecimal value, BigDecimal max) {
    if (max == null || max.signum() <= 0) {
      return value.signum() > 0 ? BAR : 0;
    }
    BigDecimal w = value.multiply(BigDecimal.valueOf(BAR)).divide(max, 0, RoundingMode.HALF_UP);
    return w.compareTo(BigDecimal.valueOf(BAR)) > 0 ? BAR : w.intValue();
  }

  private static String svg(int rows, List<String> bars) {
    StringBuilder sb = new StringBuilder();
    sb.append("<svg width=\"").append(WIDTH + 180).append("\" height=\"")
        .append(rows * ROW).append("\" role=\"img\">\n");
    for (int i = 0; i < bars.size(); i++) {
      String b = bars.get(i);
      // each row moved down by its index
      sb.append(b.replaceFirst("^<g ", "<g transform=\"translate(0," + (i * ROW) + ")\" ")).append('\n');
    }
    return sb.append("</svg>\n").toString();
  }

  private static String truncate(String name) {
    return name.length() <= 28 ? name : name.substring(0, 27) + "…";
  }

  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&': sb.append("&amp;"); break;
        case '<': sb.append("&lt;"); break;
        case '>': sb.append("&gt;"); break;
        case '"': sb.append("&quot;"); break;
        case '\'': sb.append("&#39;"); break;
        default: sb.append(c);
      }
    }
    return sb.toString();
  }
}
