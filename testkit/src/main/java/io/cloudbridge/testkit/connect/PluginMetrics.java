package io.cloudbridge.testkit.connect;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** Plugin metrics of connector tasks as an in-JVM worker publishes them over JMX (KIP-877, Connect 4.1+). */
public final class PluginMetrics {

  private PluginMetrics() {}

  /** The value of a task's plugin metric of the connector, or -1 while the worker has not published it. */
  public static long task(String connector, String name) {
    List<Long> values = values(connector, name);
    return values.isEmpty() ? -1 : values.get(0);
  }

  /** The sum over the connector's tasks of a plugin metric (tasks that have not published it count 0). */
  public static long sum(String connector, String name) {
    return values(connector, name).stream().mapToLong(Long::longValue).sum();
  }

  /** The metric's value in each task of the connector that published it. */
  private static List<Long> values(String connector, String name) {
    MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    List<Long> out = new ArrayList<>();
    try {
      for (ObjectName n : jmx.queryNames(new ObjectName("kafka.connect:*"), null)) {
        if (connector.equals(n.getKeyProperty("connector")) && n.getKeyProperty("task") != null) {
          for (MBeanAttributeInfo a : jmx.getMBeanInfo(n).getAttributes()) {
            if (a.getName().equals(name)) {
              out.add(((Number) jmx.getAttribute(n, name)).longValue());
            }
          }
        }
      }
    } catch (JMException e) {
      throw new IllegalStateException("reading metric " + name + " of " + connector, e);
    }
    return out;
  }
}
