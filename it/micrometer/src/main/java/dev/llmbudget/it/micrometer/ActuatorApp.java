package dev.llmbudget.it.micrometer;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An ordinary Spring Boot web app with Actuator and the Prometheus registry that asks Spring AI
 * {@code calls} questions at start (its first argument), printing {@code CALL OK} or
 * {@code CALL REFUSED <error>} for each, then {@code READY <port>}, and serves on. Nothing in it
 * knows llm-budget.
 */
@SpringBootApplication
public class ActuatorApp {

  public static void main(String[] args) {
    int calls = Integer.parseInt(args[0]);
    ConfigurableApplicationContext context = SpringApplication.run(ActuatorApp.class, args);
    ChatClient chat = ChatClient.create(context.getBean(ChatModel.class));
    for (int i = 0; i < calls; i++) {
      try {
        chat.prompt().user("Say hello.").call().content();
        System.out.println("CALL OK");
      } catch (RuntimeException e) {
        System.out.println("CALL REFUSED " + e.getClass().getName());
      }
    }
    System.out.println("READY " + ((WebServerApplicationContext) context).getWebServer().getPort());
    System.out.flush();
  }
}
