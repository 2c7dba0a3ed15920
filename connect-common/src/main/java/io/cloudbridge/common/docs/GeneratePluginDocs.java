package io.cloudbridge.common.docs;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Build step of every plugin module: for each class its {@code META-INF/services} files register with Connect,
 * writes {@code <SimpleName>.md} with its configuration (from the plugin's own {@code config()}) and its
 * {@code OVERVIEW_DOC}, if it has one. The packaging puts these files in the component zip's {@code doc/}.
 *
 * <p>Arguments: the module's classes directory, the output directory.
 */
public final class GeneratePluginDocs {

  private GeneratePluginDocs() {}

  public static void main(String[] args) throws Exception {
    Path classes = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    for (String className : registeredPlugins(classes.resolve("META-INF/services"))) {
      Class<?> type = Class.forName(className);
      Object plugin = type.getDeclaredConstructor().newInstance();
      ConfigDef def = (ConfigDef) type.getMethod("config").invoke(plugin);
      String doc = ConfigDocs.markdown(className, overviewOf(type), def);
      Files.writeString(out.resolve(type.getName().replace('$', '.') + ".md"), doc, StandardCharsets.UTF_8);
    }
  }

  static List<String> registeredPlugins(Path servicesDir) throws IOException {
    List<String> classes = new ArrayList<>();
    if (!Files.isDirectory(servicesDir)) {
      return classes;
    }
    try (Stream<Path> files = Files.list(servicesDir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("org.apache.kafka.connect.")).sorted().toList()) {
        Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::trim)
            .filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(classes::add);
      }
    }
    return classes;
  }

  private static String overviewOf(Class<?> type) throws IllegalAccessException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField("OVERVIEW_DOC");
        if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
          f.setAccessible(true);
          return (String) f.get(null);
        }
      } catch (NoSuchFieldException notHere) {
        // look in the superclass: $Key/$Value variants inherit the overview of their base class
      }
    }
    return null;
  }
}
