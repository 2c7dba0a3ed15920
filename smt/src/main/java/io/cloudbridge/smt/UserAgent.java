package io.cloudbridge.smt;

import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.config.EnumChoice;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import nl.basjes.parse.useragent.UserAgentAnalyzer;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Parses a User-Agent field of the value (and User-Agent Client Hints from headers or fields) with Yauaa into a
 * struct (or map) field: agent, operating system, device class and brand, layout engine, and whether it is a bot;
 * only the configured fields are computed. One analyzer per worker serves every transform with the same field set
 * (it takes seconds and about a hundred MiB to build), with a cache of recent results. Optionally also parses a
 * Referer field into host, path and medium (search, social, internal, external).
 */
public class UserAgent<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

  public static final String OVERVIEW_DOC = "Parses a User-Agent field (and Client Hints) into agent, OS, device"
      + " class and brand, layout engine and a bot flag with Yauaa; optionally a Referer into host, path and"
      + " medium.";

  public static final String FIELD = "field";
  public static final String OUTPUT_FIELD = "output.field";
  public static final String FIELDS = "fields";
  public static final String CACHE_SIZE = "cache.size";
  public static final String MAX_LENGTH = "max.length";
  public static final String CLIENT_HINTS = "client.hints";
  public static final String REFERER_FIELD = "referer.field";
  public static final String REFERER_OUTPUT_FIELD = "referer.output.field";
  public static final String INTERNAL_DOMAINS = "referer.internal.domains";
  public static final String ON_MISSING = "on.missing";
  public static final String ON_NULL = "on.null";

  /** Where Client Hints come from, besides the User-Agent string. */
  public enum ClientHints { NONE, HEADERS, FIELDS }

  /** The output fields and the Yauaa fields they need. */
  enum Output {
    AGENT_NAME("AgentName"), AGENT_VERSION("AgentVersion"), OS_NAME("OperatingSystemName"),
    OS_VERSION("OperatingSystemVersion"), DEVICE_CLASS("DeviceClass", "AgentClass"), DEVICE_BRAND("DeviceBrand"),
    LAYOUT_ENGINE("LayoutEngineName"), IS_BOT("DeviceClass", "AgentClass");

    final String[] yauaa;

    Output(String... yauaa) {
      this.yauaa = yauaa;
    }

    String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Set<String> SEARCH = Set.of("google", "bing", "duckduckgo", "yahoo", "baidu", "yandex",
      "ecosia", "qwant", "naver", "seznam");
  private static final Set<String> SOCIAL = Set.of("facebook", "instagram", "twitter", "x", "t", "linkedin", "lnkd",
      "reddit", "pinterest", "tiktok", "youtube", "threads", "mastodon", "snapchat", "whatsapp");

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(FIELD, Type.STRING, "user_agent", Importance.HIGH,
          "Path of the User-Agent text in the value (dots between names, \\. for a dot in a name).")
      .define(OUTPUT_FIELD, Type.STRING, "user_agent_parsed", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Top-level value field the parsed struct (or map) goes to; added to the schema.")
      .define(FIELDS, Type.LIST, String.join(",", EnumChoice.names(List.of(Output.values()))), EnumChoice.listOf(Output.values()),
          Importance.MEDIUM, "Which fields to compute: agent_name, agent_version, os_name, os_version, device_class,"
          + " device_brand, layout_engine, is_bot. Only these are computed.")
      .define(CACHE_SIZE, Type.INT, 10_000, ConfigDef.Range.atLeast(0), Importance.LOW,
          "Results kept for repeated User-Agents (per analyzer, shared by the transforms with the same fields).")
      .define(MAX_LENGTH, Type.INT, 2048, ConfigDef.Range.between(64, 65_536), Importance.LOW,
          "User-Agent text beyond this many characters is not read (hostile input stays cheap).")
      .define(CLIENT_HINTS, Type.STRING, "headers", EnumChoice.of(ClientHints.values()), Importance.LOW,
          "User-Agent Client Hints (Sec-CH-UA, Sec-CH-UA-Platform, Sec-CH-UA-Mobile, ...): from record headers of"
              + " those names, from top-level value fields named like them (sec_ch_ua_platform), or none.")
      .define(REFERER_FIELD, Type.STRING, "", Importance.MEDIUM,
          "Path of a Referer URL in the value to parse too; empty for none.")
      .define(REFERER_OUTPUT_FIELD, Type.STRING, "referer_parsed", Importance.LOW,
          "Top-level value field for the parsed Referer: host, path, medium.")
      .define(INTERNAL_DOMAINS, Type.LIST, "", Importance.LOW,
          "Domains whose Referers are internal (the domain and its subdomains).")
      .define(ON_MISSING, Type.STRING, "null", EnumChoice.of(Absent.values()), Importance.MEDIUM,
          "When the User-Agent field is missing: fail, passthrough, or null (the output field null). A tombstone"
              + " always passes through unchanged.")
      .define(ON_NULL, Type.STRING, "null", EnumChoice.of(Absent.values()), Importance.MEDIUM,
          "When the User-Agent field is null: fail, passthrough, or null.");

  /** Analyzers by field set and settings, shared by every transform of this plugin in the worker. */
  private static final Map<List<Object>, Shared> ANALYZERS = new HashMap<>();
  private static final java.util.Set<String> MOBILE_DEVICES = java.util.Set.of("Mobile", "Phone", "Tablet", "Watch",
      "eReader", "Handheld Game Console");

  private static final class Shared {
    final UserAgentAnalyzer analyzer;
    int users;

    Shared(UserAgentAnalyzer analyzer) {
      this.analyzer = analyzer;
    }
  }

  private FieldPath field;
  private String outputField;
  private List<Output> outputs;
  private ClientHints clientHints;
  private FieldPath refererField;
  private String refererOutput;
  private List<String> internalDomains;
  private Absent onMissing;
  private Absent onNull;
  private List<Object> analyzerKey;
  private UserAgentAnalyzer analyzer;
  private Schema parsedSchema;
  private Schema refererSchema;
  private final Map<Schema, Schema> schemas = new ConcurrentHashMap<>();

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public ConfigDef config() {
    return CONFIG_DEF;
  }

  @Override
  public void configure(Map<String, ?> props) {
    AbstractConfig c = new AbstractConfig(CONFIG_DEF, props);
    field = FieldPath.of(c, FIELD);
    outputField = c.getString(OUTPUT_FIELD);
    outputs = new ArrayList<>();
    c.getList(FIELDS).forEach(f -> outputs.add(EnumChoice.parse(Output.class, f)));
    clientHints = EnumChoice.parse(ClientHints.class, c.getString(CLIENT_HINTS));
    refererField = c.getString(REFERER_FIELD).isEmpty() ? null : FieldPath.of(c, REFERER_FIELD);
    refererOutput = c.getString(REFERER_OUTPUT_FIELD);
    internalDomains = new ArrayList<>();
    c.getList(INTERNAL_DOMAINS).forEach(d -> internalDomains.add(d.toLowerCase(Locale.ROOT)));
    onMissing = Absent.parse(c.getString(ON_MISSING));
    onNull = Absent.parse(c.getString(ON_NULL));
    if (outputs.isEmpty() && refererField == null) {
      throw new ConfigException(FIELDS, "", "nothing to compute: name fields, or a referer field");
    }
    SchemaBuilder parsed = SchemaBuilder.struct().name("cloudbridge.UserAgent").optional();
    Set<String> yauaa = new TreeSet<>();
    for (Output o : outputs) {
      parsed.field(o.column(), o == Output.IS_BOT ? Schema.OPTIONAL_BOOLEAN_SCHEMA : Schema.OPTIONAL_STRING_SCHEMA);
      yauaa.addAll(List.of(o.yauaa));
    }
    parsedSchema = parsed.build();
    refererSchema = SchemaBuilder.struct().name("cloudbridge.Referer").optional()
        .field("host", Schema.OPTIONAL_STRING_SCHEMA).field("path", Schema.OPTIONAL_STRING_SCHEMA)
        .field("medium", Schema.STRING_SCHEMA).build();
    if (!outputs.isEmpty()) {
      analyzerKey = List.of(yauaa, c.getInt(CACHE_SIZE), c.getInt(MAX_LENGTH));
      analyzer = acquire(analyzerKey, yauaa, c.getInt(CACHE_SIZE), c.getInt(MAX_LENGTH));
    }
  }

  private static UserAgentAnalyzer acquire(List<Object> key, Set<String> fields, int cache, int maxLength) {
    synchronized (ANALYZERS) {
      Shared shared = ANALYZERS.get(key);
      if (shared == null) {
        UserAgentAnalyzer.UserAgentAnalyzerBuilder b = UserAgentAnalyzer.newBuilder().hideMatcherLoadStats()
            .withFields(fields).withUserAgentMaxLength(maxLength).immediateInitialization();
        if (cache > 0) {
          b.withCache(cache).withClientHintsCache(cache);
        } else {
          b.withoutCache().withoutClientHintsCache();
        }
        shared = new Shared(b.build());
        ANALYZERS.put(key, shared);
      }
      shared.users++;
      return shared.analyzer;
    }
  }

  @Override
  public R apply(R record) {
    Object value = record.value();
    if (value == null) {
      return record; // a tombstone stays a tombstone
    }
    Object ua = field.get(value);
    Absent rule = ua == FieldPath.MISSING ? onMissing : ua == null ? onNull : null;
    if (rule == Absent.FAIL) {
      throw new DataException(Records.describe(record) + ": field " + field + " is "
          + (ua == null ? "null" : "missing"));
    }
    if (rule == Absent.PASSTHROUGH) {
      return record;
    }
    boolean schemaless = record.valueSchema() == null;
    Object parsed = rule == null && analyzer != null ? parse(record, value, ua.toString(), schemaless) : null;
    Object referer = null;
    if (refererField != null) {
      Object r = refererField.get(value);
      referer = r == FieldPath.MISSING || r == null ? null : referer(r.toString(), schemaless);
    }
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>(m);
      if (analyzer != null) {
        out.put(outputField, parsed);
      }
      if (refererField != null) {
        out.put(refererOutput, referer);
      }
      return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), null, out,
          record.timestamp(), record.headers());
    }
    if (!(value instanceof Struct s)) {
      throw new DataException(Records.describe(record) + ": the value is a " + value.getClass().getSimpleName()
          + ", not a struct or map");
    }
    if (schemas.size() > 1_000) {
      schemas.clear(); // bounded
    }
    Schema schema = schemas.computeIfAbsent(s.schema(), this::withOutputs);
    Struct out = new Struct(schema);
    for (Field f : schema.fields()) {
      if (f.name().equals(outputField) && analyzer != null) {
        out.put(f, parsed);
      } else if (f.name().equals(refererOutput) && refererField != null) {
        out.put(f, referer);
      } else {
        out.put(f, s.get(f.name()));
      }
    }
    return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), schema, out,
        record.timestamp(), record.headers());
  }

  private Object parse(R record, Object value, String ua, boolean schemaless) {
    nl.basjes.parse.useragent.UserAgent result;
    Map<String, String> hints = hints(record, value);
    if (hints.isEmpty()) {
      result = analyzer.parse(ua);
    } else {
      hints.put("User-Agent", ua);
      result = analyzer.parse(hints);
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Output o : outputs) {
      if (o == Output.IS_BOT) {
        fields.put(o.column(), isBot(result));
      } else if (o == Output.DEVICE_CLASS) {
        fields.put(o.column(), deviceClass(result));
      } else {
        fields.put(o.column(), result.getValue(o.yauaa[0]));
      }
    }
    if (schemaless) {
      return fields;
    }
    Struct s = new Struct(parsedSchema);
    fields.forEach(s::put);
    return s;
  }

  private static boolean isBot(nl.basjes.parse.useragent.UserAgent result) {
    String device = result.getValue("DeviceClass");
    String agent = result.getValue("AgentClass");
    return device.startsWith("Robot") || device.equals("Hacker") || agent.startsWith("Robot") || agent.equals("Hacker");
  }

  /**
   * Yauaa's DeviceClass, made consistent with the bot flag: Yauaa classes some robots by their agent alone (e.g.
   * HeadlessChrome: AgentClass Robot, DeviceClass Desktop). Such a robot gets the device class Yauaa uses for robots
   * that present themselves as a desktop ("Robot") or a mobile device ("Robot Mobile"), so that device_class and
   * is_bot never disagree.
   */
  private static String deviceClass(nl.basjes.parse.useragent.UserAgent result) {
    String device = result.getValue("DeviceClass");
    if (!isBot(result) || device.startsWith("Robot") || device.equals("Hacker")) {
      return device;
    }
    String agent = result.getValue("AgentClass");
    return agent.equals("Robot Mobile") || MOBILE_DEVICES.contains(device) ? "Robot Mobile" : "Robot";
  }

  /** Client Hints of the record, by header name (Sec-CH-UA...), from headers or fields as configured. */
  private Map<String, String> hints(R record, Object value) {
    Map<String, String> hints = new HashMap<>();
    if (clientHints == ClientHints.HEADERS) {
      for (Header h : record.headers()) {
        if (h.key().toLowerCase(Locale.ROOT).startsWith("sec-ch-ua") && h.value() != null) {
          hints.put(h.key(), h.value().toString());
        }
      }
    } else if (clientHints == ClientHints.FIELDS) {
      if (value instanceof Struct s) {
        for (Field f : s.schema().fields()) {
          hint(hints, f.name(), s.get(f));
        }
      } else if (value instanceof Map<?, ?> m) {
        m.forEach((k, v) -> hint(hints, String.valueOf(k), v));
      }
    }
    return hints;
  }

  /** A top-level field named like a Client Hint (sec_ch_ua_platform) as that header (Sec-CH-UA-Platform). */
  private static void hint(Map<String, String> hints, String field, Object value) {
    if (value != null && field.toLowerCase(Locale.ROOT).startsWith("sec_ch_ua")) {
      hints.put(field.replace('_', '-'), value.toString());
    }
  }

  /** A Referer URL as host, path and medium: search, social, internal, external, or invalid. */
  private Object referer(String url, boolean schemaless) {
    String host = null;
    String path = null;
    String medium;
    try {
      URI uri = new URI(url.trim());
      host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
      path = uri.getPath();
      medium = host == null ? "invalid" : medium(host);
    } catch (URISyntaxException e) {
      medium = "invalid";
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("host", host);
    fields.put("path", path);
    fields.put("medium", medium);
    if (schemaless) {
      return fields;
    }
    Struct s = new Struct(refererSchema);
    fields.forEach(s::put);
    return s;
  }

  private String medium(String host) {
    for (String d : internalDomains) {
      if (host.equals(d) || host.endsWith("." + d)) {
        return "internal";
      }
    }
    String[] labels = host.split("\\.");
    for (int i = 0; i < labels.length - 1; i++) {
      if (SEARCH.contains(labels[i])) {
        return "search";
      }
      if (SOCIAL.contains(labels[i])) {
        return "social";
      }
    }
    return "external";
  }

  /** The value schema with the output fields (optional structs), replacing fields of those names. */
  private Schema withOutputs(Schema schema) {
    SchemaBuilder b = SchemaBuilder.struct().name(schema.name()).version(schema.version()).doc(schema.doc());
    if (schema.isOptional()) {
      b.optional();
    }
    for (Field f : schema.fields()) {
      if (!(f.name().equals(outputField) && analyzer != null)
          && !(f.name().equals(refererOutput) && refererField != null)) {
        b.field(f.name(), f.schema());
      }
    }
    if (analyzer != null) {
      b.field(outputField, parsedSchema);
    }
    if (refererField != null) {
      b.field(refererOutput, refererSchema);
    }
    return b.build();
  }

  @Override
  public void close() {
    if (analyzerKey == null) {
      return;
    }
    synchronized (ANALYZERS) {
      Shared shared = ANALYZERS.get(analyzerKey);
      if (shared != null && --shared.users == 0) {
        ANALYZERS.remove(analyzerKey);
        shared.analyzer.destroy();
      }
    }
    analyzerKey = null;
  }
}
