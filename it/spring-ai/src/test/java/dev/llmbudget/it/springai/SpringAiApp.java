package dev.llmbudget.it.springai;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.GlobalBudget;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/**
 * The application the ITs run in a child JVM with the agent attached: an ordinary Spring AI user
 * of {@code ChatModel}, binary compatible with Spring AI 1.0 to 2.x. The model comes from a
 * version's factory class named by the first argument:
 * {@code SpringAiApp <factory> <provider> <baseUrl> <model> <maxTokens> <step>...}, a step being
 * {@code action[@user]} (user bound with BudgetContext) or {@code action[%user]} (user in the MDC),
 * the actions {@code sync}, {@code stream}, {@code early} (cancel after the first chunk) and
 * {@code budget:user=dollars}.
 */
public final class SpringAiApp {

  /** Streams the app built and keeps without subscribing. */
  private static final java.util.List<Object> UNSUBSCRIBED = new java.util.ArrayList<>();

  public static void main(String[] args) throws Exception {
    Class<?> factory = Class.forName(args[0]);
    String provider = args[1];
    String baseUrl = args[2];
    String modelName = args[3];
    int maxTokens = Integer.parseInt(args[4]);
    ChatModel model = (ChatModel) factory.getMethod("model", String.class, String.class, String.class, int.class)
        .invoke(null, provider, baseUrl, modelName, maxTokens);
    Prompt prompt = (Prompt) factory.getMethod("prompt", String.class, String.class, String.class, int.class)
        .invoke(null, provider, "Say hello to the budget tests, briefly.", modelName, maxTokens);
    System.out.println("MODEL " + model.getClass().getName() + " meteredBelow=" + meteredBelow(model));
    Set<String> users = new LinkedHashSet<>();
    for (int i = 5; i < args.length; i++) {
      String step = args[i];
      int at = Math.max(step.indexOf('@'), step.indexOf('%'));
      String action = at < 0 ? step : step.substring(0, at);
      String user = at < 0 ? null : step.substring(at + 1);
      if (user != null) {
        users.add(user);
      }
      if (action.startsWith("budget:")) {
        String[] kv = action.substring("budget:".length()).split("=");
        BudgetManager.configured().createBudget(Double.parseDouble(kv[1]), kv[0], null);
        continue;
      }
      String result;
      java.util.regex.Matcher times = java.util.regex.Pattern.compile("(\\d+)x(.+)").matcher(action);
      if (times.matches()) {
        result = concurrently(Integer.parseInt(times.group(1)), model, prompt, times.group(2));
      } else if (user == null) {
        result = outcome(model, prompt, action);
      } else if (step.charAt(at) == '@') {
        result = BudgetContext.call(user, () -> outcome(model, prompt, action));
      } else {
        org.slf4j.MDC.put("userId", user);
        try {
          result = outcome(model, prompt, action);
        } finally {
          org.slf4j.MDC.remove("userId");
        }
      }
      System.out.println("STEP " + step + " " + result);
    }
    BudgetManager budgets = BudgetManager.configured();
    System.out.println("SPENT global " + GlobalBudget.currentCost().toPlainString());
    for (String u : users) {
      System.out.println("SPENT " + u + " " + budgets.getCurrentCost(u).toPlainString());
      System.out.println("MODELS " + u + " " + budgets.getModelCost(u).keySet());
    }
    System.exit(0);
  }

  /** {@code n} threads make the call at once: {@code ok=<n> blocked=<n> errors=[...]}. */
  private static String concurrently(int n, ChatModel model, Prompt prompt, String action) throws InterruptedException {
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    java.util.List<String> results = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          results.add(outcome(model, prompt, action));
        } catch (InterruptedException e) {
          results.add("ERROR " + e);
        }
      });
      t.start();
      threads.add(t);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(120_000);
    }
    return "ok=" + results.stream().filter(r -> r.startsWith("OK")).count()
        + " blocked=" + results.stream().filter(r -> r.startsWith("BLOCKED")).count()
        + " errors=" + results.stream().filter(r -> r.startsWith("ERROR")).collect(java.util.stream.Collectors.toList());
  }

  /** Asks the agent, if it is there, whether a layer below this model meters its calls. */
  private static String meteredBelow(ChatModel model) {
    try {
      Class<?> below = Class.forName("dev.llmbudget.agent.internal.MeteredBelow");
      return String.valueOf(below.getMethod("isMeteredBelow", Object.class).invoke(null, model));
    } catch (ReflectiveOperationException | LinkageError e) {
      return "n/a";
    }
  }

  /**
   * The prompt's options with one user message of text and a PNG image ({@code Media}), as a
   * multimodal app sends it. A class of its own, so a JVM that never sends it never links the media types.
   */
  private static final class ImagePrompt {
    static Prompt of(Prompt prompt) {
      org.springframework.ai.content.Media png = new org.springframework.ai.content.Media(
          org.springframework.util.MimeTypeUtils.IMAGE_PNG,
          new org.springframework.core.io.ByteArrayResource(java.util.Base64.getDecoder().decode(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")));
      return new Prompt(java.util.List.of(org.springframework.ai.chat.messages.UserMessage.builder()
          .text("What is in this picture?").media(png).build()), prompt.getOptions());
    }
  }

  private static String outcome(ChatModel model, Prompt prompt, String action) {
    try {
      switch (action) {
        case "sync": {
          ChatResponse r = model.call(prompt);
          return "OK " + r.getResult().getOutput().getText();
        }
        case "stream": {
          StringBuilder text = new StringBuilder();
          Flux<ChatResponse> flux = model.stream(prompt);
          flux.doOnNext(c -> {
            if (c.getResult() != null && c.getResult().getOutput().getText() != null) {
              text.append(c.getResult().getOutput().getText());
            }
          }).blockLast(Duration.ofSeconds(60));
          return "OK " + text;
        }
        case "unsubscribed4": {
          // Four streams built and never subscribed, as in issue 8; a refused one is counted, not fatal.
          int built = 0;
          for (int i = 0; i < 4; i++) {
            try {
              UNSUBSCRIBED.add(model.stream(prompt));
              built++;
            } catch (BudgetExceededError e) {
              // The budget is held by the ones before.
            }
          }
          return "OK " + built;
        }
        case "sleep3":
          Thread.sleep(3000);
          return "OK";
        case "image": {
          try {
            return "OK " + model.call(ImagePrompt.of(prompt)).getResult().getOutput().getText();
          } catch (RuntimeException e) {
            for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
              if (c instanceof BudgetExceededError) {
                System.out.println("REFUSAL image " + c.getMessage());
              }
            }
            throw e;
          }
        }
        case "stream-count": {
          // A huge answer: counted as it flows, never kept, so only the agent could hold it.
          long[] chars = new long[1];
          model.stream(prompt).doOnNext(c -> {
            if (c.getResult() != null && c.getResult().getOutput().getText() != null) {
              chars[0] += c.getResult().getOutput().getText().length();
            }
          }).blockLast(Duration.ofSeconds(120));
          return "OK " + chars[0];
        }
        case "early": {
          // Takes the first chunk that carries text, then cancels the subscription.
          ChatResponse first = model.stream(prompt)
              .filter(c -> c.getResult() != null && c.getResult().getOutput().getText() != null
                  && !c.getResult().getOutput().getText().isEmpty())
              .blockFirst(Duration.ofSeconds(60));
          return "OK " + (first == null ? "" : first.getResult().getOutput().getText());
        }
        default:
          throw new IllegalArgumentException(action);
      }
    } catch (Throwable t) {
      Throwable cause = t;
      while (!(cause instanceof BudgetExceededError) && cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      if (cause instanceof BudgetExceededError) {
        BudgetExceededError e = (BudgetExceededError) cause;
        return "BLOCKED " + (e.isGlobal() ? "global" : "user:" + e.user().orElse("?"))
            + (cause == t ? "" : " wrapped in " + t.getClass().getName());
      }
      return "ERROR " + t;
    }
  }
}
