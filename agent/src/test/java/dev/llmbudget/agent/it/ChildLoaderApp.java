package dev.llmbudget.agent.it;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link SdkApp} the way a Spring Boot fat jar or a servlet container would: SDK,
 * llm-budget-core and the app in a child class loader that the system class loader cannot see.
 */
public final class ChildLoaderApp {
  public static void main(String[] args) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("it.child.classpath").split(File.pathSeparator)) {
      urls.add(new File(entry).toURI().toURL());
    }
    try (URLClassLoader child = new URLClassLoader("app", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
      Thread.currentThread().setContextClassLoader(child);
      Class<?> app = Class.forName("dev.llmbudget.agent.it.SdkApp", true, child);
      System.out.println("APP loader=" + (app.getClassLoader() == child ? "child" : "other")
          + " sdk loader=" + (Class.forName("com.openai.client.OpenAIClient", false, child).getClassLoader() == child ? "child" : "other"));
      app.getMethod("main", String[].class).invoke(null, (Object) args);
    }
  }
}
