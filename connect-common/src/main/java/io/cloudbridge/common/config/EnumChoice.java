package io.cloudbridge.common.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * A validator and recommender for a setting that names one of an enum's constants, written in lower case
 * (case is ignored when checking). Read the value back with {@link #parse}.
 */
public final class EnumChoice implements ConfigDef.Validator {

  private final Enum<?>[] values;

  private EnumChoice(Enum<?>[] values) {
    this.values = values;
  }

  public static EnumChoice of(Enum<?>[] values) {
    return new EnumChoice(values);
  }

  /** A validator of a LIST setting each of whose items names one of {@code values}. */
  public static ConfigDef.Validator listOf(Enum<?>[] values) {
    EnumChoice each = of(values);
    return ConfigDef.LambdaValidator.with((name, value) -> {
      for (Object v : (List<?>) value) {
        each.ensureValid(name, String.valueOf(v));
      }
    }, () -> "any of " + each);
  }

  /** The constant a setting names; the setting was validated, so it is one of them. */
  public static <E extends Enum<E>> E parse(Class<E> type, String value) {
    return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
  }

  /** The constants as a setting names them, in lower case. */
  public static List<String> names(Collection<? extends Enum<?>> constants) {
    List<String> names = new ArrayList<>();
    constants.forEach(c -> names.add(c.name().toLowerCase(Locale.ROOT)));
    return names;
  }

  @Override
  public void ensureValid(String name, Object value) {
    for (Enum<?> v : values) {
      if (v.name().equalsIgnoreCase(String.valueOf(value))) {
        return;
      }
    }
    throw new ConfigException(name, value, "expected one of " + this);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Enum<?> v : values) {
      b.append(b.length() == 0 ? "" : ", ").append(v.name().toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}
