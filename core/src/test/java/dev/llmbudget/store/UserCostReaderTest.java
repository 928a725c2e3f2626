package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JacksonException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The streamed reader of {@code user_cost.json} must read every file as the JSON tree read it (the
 * release before read files as a tree): the same budgets, or the same refusal with the same message.
 */
class UserCostReaderTest {

  private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L, 5);

  static List<String> files() {
    return List.of(
        "", "   ", "null", "5", "\"x\"", "true", "[1, 2, 3]", "[1, 2", "{", "{}", "{} trailing", "{\"a\": {}} [",
        "{\"alice\": 5}", "{\"alice\": null}", "{\"alice\": [1, {\"x\": 2}]}", "{\"alice\": \"text\"}",
        "{\"alice\": {}}",
        "{\"alice\": {\"total_budget\": 10, \"current_cost\": 1.50, \"model_cost\": {\"gpt-4o\": 1.5, \"x\": 0}}}",
        "{\"alice\": {\"total_budget\": null, \"current_cost\": null, \"model_cost\": null, \"duration\": null}}",
        "{\"alice\": {\"total_budget\": -1}}", "{\"alice\": {\"total_budget\": -0.0}}", "{\"alice\": {\"total_budget\": -0}}",
        "{\"alice\": {\"total_budget\": \"ten\\n\\u0001\\\"é\"}}", "{\"alice\": {\"total_budget\": true}}",
        "{\"alice\": {\"total_budget\": {\"a\": [1, 2.50, \"x\"]}}}", "{\"alice\": {\"current_cost\": [1e2]}}",
        "{\"alice\": {\"current_cost\": 1e2}}", "{\"alice\": {\"current_cost\": 100.000}}",
        "{\"alice\": {\"current_cost\": 1E-1000}}", "{\"alice\": {\"current_cost\": 1E-1001}}",
        "{\"alice\": {\"current_cost\": 1e100000000}}", "{\"alice\": {\"current_cost\": 123456789012345678901}}",
        "{\"alice\": {\"current_cost\": 12345678901234567890}}", "{\"alice\": {\"current_cost\": 12345678901234567890.5}}",
        "{\"alice\": {\"current_cost\": 1." + "0".repeat(1500) + "}}",
        "{\"alice\": {\"current_cost\": 0.0000000000001}}",
        "{\"alice\": {\"model_cost\": [1]}}", "{\"alice\": {\"model_cost\": 5}}", "{\"alice\": {\"model_cost\": {\"m\": -2}}}",
        "{\"alice\": {\"model_cost\": {\"m\": \"2\"}}}", "{\"alice\": {\"model_cost\": {\"m\": 1, \"m\": 2}}}",
        "{\"alice\": {\"model_cost\": {\"m\": 1}, \"model_cost\": 7}}", "{\"alice\": {\"model_cost\": 7, \"model_cost\": {\"m\": 1}}}",
        "{\"alice\": {\"duration\": \"fortnightly\"}}", "{\"alice\": {\"duration\": \"monthly\"}}", "{\"alice\": {\"duration\": 7}}",
        "{\"alice\": {\"duration\": 1.5}}", "{\"alice\": {\"duration\": 7.0}}", "{\"alice\": {\"duration\": 0}}",
        "{\"alice\": {\"duration\": \"7d\"}}", "{\"alice\": {\"duration\": [7]}}", "{\"alice\": {\"duration\": false}}",
        "{\"alice\": {\"duration\": 1e30}}",
        "{\"alice\": {\"created_at\": 1700000000.123456789}}", "{\"alice\": {\"created_at\": \"yesterday\"}}",
        "{\"alice\": {\"created_at\": 1e30}}", "{\"alice\": {\"created_at\": 1e19}}", "{\"alice\": {\"created_at\": -1.5}}",
        "{\"alice\": {\"created_at\": 5, \"last_updated_at\": 9.25}}", "{\"alice\": {\"last_updated_at\": 9.25}}",
        "{\"alice\": {\"last_updated_at\": 1e18}}",
        "{\"alice\": {\"unknown\": {\"deep\": [1, {\"x\": null}]}, \"total_budget\": 3}}",
        "{\"alice\": 5, \"alice\": {\"total_budget\": 1}}", "{\"alice\": {\"total_budget\": 1}, \"alice\": 5}",
        "{\"alice\": {\"total_budget\": 1}, \"bob\": 5, \"alice\": \"x\"}",
        "{\"alice\": {\"total_budget\": 1, \"total_budget\": -1}}", "{\"alice\": {\"total_budget\": -1, \"total_budget\": 1}}",
        "{\"bob\": {\"current_cost\": \"x\"}, \"alice\": {\"current_cost\": -1}}",
        "{\"\": {\"total_budget\": 1}, \"$global\": {\"total_budget\": 2, \"duration\": \"daily\"}}",
        "{\"alice\": {\"total_budget\": NaN}}", "{\"alice\": {\"total_budget\": 01}}", "{\"alice\": {\"total_budget\": 1,}}",
        "{\"alice\": {\"total_budget\": 1} /* c */}", "{'alice': {}}", "{\"alice\": {\"total_budget\": 1}}}");
  }

  @ParameterizedTest
  @MethodSource("files")
  void readsEachFileAsTheTreeReadIt(String json) {
    assertSameOutcome(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Files the writer printed, then damaged one byte at a time. */
  @Test
  void readsWrittenAndDamagedFilesAsTheTreeReadThem() {
    SplittableRandom r = new SplittableRandom(30);
    byte[] written = UserCostWriter.write(Map.of(
        "alice", new StoredBudget(10_000_000_000_000L, dev.llmbudget.BudgetDuration.DAILY, Instant.ofEpochSecond(5, 25),
            Instant.ofEpochSecond(86_405, 25), 1_234_567L, Map.of("gpt-4o", 1_000_000L, "claude", 234_567L)),
        "$global", new StoredBudget(Ledger.Terms.NO_LIMIT, null, Instant.ofEpochSecond(7), Instant.ofEpochSecond(7), 0, Map.of())));
    assertThat(outcome(written)).isInstanceOf(Map.class);
    assertSameOutcome(written);
    byte[] alphabet = "{}[]\":,-.0123456789eEnulltrx \\".getBytes(StandardCharsets.US_ASCII);
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      byte[] damaged = written.clone();
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        damaged[r.nextInt(damaged.length)] = alphabet[r.nextInt(alphabet.length)];
      }
      Object outcome = assertSameOutcome(damaged);
      if (outcome instanceof String) {
        refused.add((String) outcome);
      }
    }
    // The damage reached past syntax into the checks of values, or the comparison proves little.
    assertThat(refused).anyMatch(m -> m.contains("must be a number of dollars"));
    assertThat(refused).anyMatch(m -> m.contains("not valid JSON"));
  }

  /**
   * A number no BigDecimal can hold (its exponent overflows an int) is a file that cannot be read,
   * with a message naming it, not a NumberFormatException (the tree reader let it escape untyped).
   * In a field LiteLLM's format does not have, it is skipped unconverted, as every value there is.
   */
  /** A field written as null is absent: no limit, no model breakdown; the spend next to it is read. */
  @Test
  void nullFieldsReadAsAbsentAndTheRestIsKept() {
    Map<String, StoredBudget> read = UserCostReader.parse(("{\"alice\": {\"total_budget\": null, \"current_cost\": 2,"
        + " \"model_cost\": null}}").getBytes(StandardCharsets.UTF_8), "nulls.json", NOW);

    StoredBudget alice = read.get("alice");
    assertThat(alice.limit()).isEqualTo(Ledger.Terms.NO_LIMIT);
    assertThat(alice.spent()).isEqualTo(2_000_000_000_000L);
    assertThat(alice.models()).isEmpty();
  }

  @Test
  void aNumberNoBigDecimalCanHoldIsRefusedByNameAndSkippedInAnIgnoredField() {
    byte[] known = "{\"alice\": {\"current_cost\": 1e99999999999}}".getBytes(StandardCharsets.UTF_8);
    byte[] ignored = "{\"alice\": {\"total_budget\": 1, \"spend_logs\": 1e99999999999}}".getBytes(StandardCharsets.UTF_8);

    assertThat(outcome(known)).isEqualTo("f: not valid JSON: Value \"1e99999999999\" can not be deserialized as "
        + "`java.math.BigDecimal`, reason:  Too many nonzero exponent digits.");
    assertThat(outcome(ignored)).isInstanceOf(Map.class);
  }

  private static Object assertSameOutcome(byte[] json) {
    Object streamed = outcome(json);
    Object tree = treeOutcome(json);
    assertThat(streamed).as(new String(json, StandardCharsets.UTF_8)).isEqualTo(tree);
    return streamed;
  }

  /** The budgets read, or the message of the refusal. */
  private static Object outcome(byte[] json) {
    try {
      return UserCostReader.parse(json, "f", NOW);
    } catch (BudgetStoreException e) {
      return e.getMessage();
    }
  }

  /** As the previous release read a file: the whole tree, then its entries. */
  private static Object treeOutcome(byte[] json) {
    try {
      return UserCostJson.fromTree(UserCostJson.MAPPER.readTree(json), "f", NOW);
    } catch (JacksonException e) {
      return "f: not valid JSON: " + e.getOriginalMessage();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    } catch (BudgetStoreException e) {
      return e.getMessage();
    }
  }
}
