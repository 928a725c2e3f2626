package dev.llmbudget.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Plain sockets with Nagle's algorithm off, for the benchmark's OkHttp client. On loopback the
 * segment size is ~64 KB, so a 144 KB request ends in a part-segment that Nagle holds until the
 * server's delayed ACK (40 ms) in a random share of calls, in both forks alike; that lottery, not
 * the agent, decided the long call's median (BENCHMARKS.md, "Long prompt: the 40 ms was TCP").
 */
final class NoDelaySockets extends SocketFactory {

  private static final SocketFactory PLAIN = SocketFactory.getDefault();

  private static Socket noDelay(Socket s) throws IOException {
    s.setTcpNoDelay(true);
    return s;
  }

  @Override
  public Socket createSocket() throws IOException {
    return noDelay(PLAIN.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return noDelay(PLAIN.createSocket(host, port));
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
    return noDelay(PLAIN.createSocket(host, port, local, localPort));
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return noDelay(PLAIN.createSocket(host, port));
  }

  @Override
  public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
    return noDelay(PLAIN.createSocket(host, port, local, localPort));
  }
}
