package io.cloudbridge.smt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.DeclaredSchemas;
import io.cloudbridge.common.json.DeclaredJsonSchema;
import io.cloudbridge.common.json.JsonSchemaLearner;
import io.cloudbridge.common.json.JsonValues;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Decodes base64 payloads back into records, or encodes a field or value as base64. Decoding takes a base64 field
 * (or the whole key or value), in the standard or URL-safe alphabet, padded or not, gunzips it when it is gzip, and
 * parses it as JSON (a schema inferred from the document, or schemaless maps) or keeps it as text or bytes. It also
 * unwraps envelopes: a Pub/Sub push body ({@code message.data} becomes the value, {@code message.attributes} headers,
 * the message id, publish time and subscription {@code pubsub.*} headers) or any envelope named by a payload path
 * and an attributes path.
 */
public abstract class Base64Envelope<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

  public static final String OVERVIEW_DOC = "Decodes a base64 field, value or envelope (Pub/Sub push bodies, Step"
      + " Functions States.Base64Encode output, base64 SQS bodies) into a structured record, or encodes a field or"
      + " the value as base64 (optionally as a Pub/Sub message body). Use the $Key or $Value variant.";

  public static final String MODE = "mode";
  public static final String FIELD = "field";
  public static final String ENVELOPE = "envelope";
  public static final String PAYLOAD_PATH = "envelope.payload.path";
  public static final String ATTRIBUTES_PATH = "envelope.attributes.path";
  public static final String OUTPUT = "output";
  public static final String JSON_SCHEMA = "json.schema";
  public static final String GZIP = "gzip";
  public static final String ALPHABET = "base64.alphabet";
  public static final String PADDING = "base64.padding";
  public static final String ATTRIBUTE_PREFIX = "attributes.header.prefix";
  public static final String MAX_BYTES = "max.decoded.bytes";
  public static final String ON_MISSING = "on.missing";
  public static final String ON_NULL = "on.null";
  public static final String ON_ERROR = "on.error";
  public static final String ERROR_HEADER = "cloudbridge.error";

  /** Decode base64 into a record, or encode a field or value as base64. */
  public enum Mode { DECODE, ENCODE }

  /** Where the base64 payload is: the field, a Pub/Sub push body, or the paths of a custom envelope. */
  public enum Envelope { NONE, PUBSUB_PUSH, CUSTOM, PUBSUB_MESSAGE }

  /** What decoded bytes become. */
  public enum Output { JSON, STRING, BYTES }

  /** Whether decoded JSON gets an inferred schema or stays schemaless (maps). */
  public enum JsonSchema { INFER, DECLARED, NONE }

  /** The settings of a declared JSON Schema: json.schema.files, json.schema.text, json.schema.undeclared.fields. */
  static final DeclaredSchemas.Names DECLARED_NAMES = new DeclaredSchemas.Names("json.schema.files",
      "json.schema.text", "json.schema.undeclared.fields");

  /** Gzip inside the base64: recognised by its magic bytes, always, or never. */
  public enum Gzip { AUTO, ALWAYS, NEVER }

  /** The base64 alphabet written when encoding (decoding takes both). */
  public enum Alphabet { STANDARD, URL_SAFE }

  /** A record that cannot be decoded: fail, or pass it through unchanged with an error header. */
  public enum OnError { FAIL, PASSTHROUGH }

  public static final ConfigDef CONFIG_DEF = DeclaredSchemas.addTo(new ConfigDef()
      .define(MODE, Type.STRING, "decode", EnumChoice.of(Mode.values()), Importance.HIGH,
          "decode: base64 to a record; encode: a field or the value to base64.")
      .define(FIELD, Type.STRING, "", Importance.HIGH,
          "Path of the base64 field (decode) or of the field to encode: names separated by dots, \\. for a dot"
              + " in a name; empty for the whole key or value.")
      .define(ENVELOPE, Type.STRING, "none", EnumChoice.of(Envelope.values()), Importance.HIGH,
          "decode: none (the field is the payload); pubsub_push (a Pub/Sub push body: message.data becomes the"
              + " value, message.attributes headers, message id, publish time and subscription pubsub.* headers);"
              + " custom (" + PAYLOAD_PATH + " and " + ATTRIBUTES_PATH + "). encode: pubsub_message wraps the"
              + " encoded value as a Pub/Sub message body {data, attributes} with the headers as attributes.")
      .define(PAYLOAD_PATH, Type.STRING, "data", Importance.MEDIUM,
          "custom envelope: path of the base64 payload inside it.")
      .define(ATTRIBUTES_PATH, Type.STRING, "", Importance.MEDIUM,
          "custom envelope: path of a map whose entries become headers; empty for none.")
      .define(OUTPUT, Type.STRING, "json", EnumChoice.of(Output.values()), Importance.MEDIUM,
          "decode: what the decoded bytes become: json (parsed), string (UTF-8 text) or bytes.")
      .define(JSON_SCHEMA, Type.STRING, "infer", EnumChoice.of(JsonSchema.values()), Importance.MEDIUM,
          "decode, json: infer (one widening struct schema per topic, learned from the documents: every number"
              + " FLOAT64, nulls and empty arrays fix no type, fields are added and never retyped; see README),"
              + " declared (the JSON Schema of " + DECLARED_NAMES.files() + " or " + DECLARED_NAMES.inline()
              + "; to choose one per topic, give each transform a TopicNameMatches predicate) or none (maps and"
              + " lists). Inside a schemaless value the result is always schemaless.")
      .define(GZIP, Type.STRING, "auto", EnumChoice.of(Gzip.values()), Importance.LOW,
          "decode: gunzip when the bytes start with gzip's magic (auto), always, or never. encode: always gzips"
              + " before base64.")
      .define(ALPHABET, Type.STRING, "standard", EnumChoice.of(Alphabet.values()), Importance.LOW,
          "encode: standard or url_safe alphabet (decoding reads both).")
      .define(PADDING, Type.BOOLEAN, true, Importance.LOW, "encode: pad with '='.")
      .define(ATTRIBUTE_PREFIX, Type.STRING, "", Importance.LOW,
          "Prefix of the headers made from envelope attributes (decode), and of the headers that become"
              + " attributes (encode, pubsub_message).")
      .define(MAX_BYTES, Type.INT, 10 << 20, ConfigDef.Range.atLeast(1), Importance.LOW,
          "decode: most bytes a payload may decode (and gunzip) to; a larger one is an error.")
      .define(ON_MISSING, Type.STRING, "fail", EnumChoice.of(Absent.values()), Importance.MEDIUM,
          "When the field (or the envelope's payload) is missing: fail, passthrough, or null.")
      .define(ON_NULL, Type.STRING, "passthrough", EnumChoice.of(Absent.values()), Importance.MEDIUM,
          "When the field or value is null (tombstones included): fail, passthrough, or null.")
      .define(ON_ERROR, Type.STRING, "fail", EnumChoice.of(OnError.values()), Importance.MEDIUM,
          "When the payload is not base64, not gzip though it says so, or not JSON: fail (with errors.tolerance=all"
              + " Connect's error handling takes the record), or passthrough unchanged with a " + ERROR_HEADER
              + " header saying why."), DECLARED_NAMES, null, 0, "With " + JSON_SCHEMA + "=declared: the schema of every"
          + " decoded JSON document.");

  private static final ObjectMapper JSON = new ObjectMapper();

  private Mode mode;
  private FieldPath field;
  private Envelope envelope;
  private FieldPath payloadPath;
  private FieldPath attributesPath;
  private Output output;
  private JsonSchema jsonSchema;
  private Gzip gzip;
  private Base64.Encoder encoder;
  private String attributePrefix;
  private int maxBytes;
  private Absent onMissing;
  private Absent onNull;
  private OnError onError;
  private final JsonSchemaLearner schemas = new JsonSchemaLearner();
  private DeclaredJsonSchema declared;

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
    mode = EnumChoice.parse(Mode.class, c.getString(MODE));
    field = FieldPath.of(c, FIELD);
    envelope = EnumChoice.parse(Envelope.class, c.getString(ENVELOPE));
    payloadPath = envelope == Envelope.PUBSUB_PUSH ? FieldPath.parse("message.data") : FieldPath.of(c, PAYLOAD_PATH);
    attributesPath = envelope == Envelope.PUBSUB_PUSH ? FieldPath.parse("message.attributes")
        : FieldPath.of(c, ATTRIBUTES_PATH);
    output = EnumChoice.parse(Output.class, c.getString(OUTPUT));
    jsonSchema = EnumChoice.parse(JsonSchema.class, c.getString(JSON_SCHEMA));
    DeclaredSchemas declaredSchemas = DeclaredSchemas.from(c, DECLARED_NAMES);
    declared = declaredSchemas.single();
    if (jsonSchema == JsonSchema.DECLARED && declared == null) {
      throw new ConfigException(JSON_SCHEMA, "declared", "needs a schema in " + DECLARED_NAMES.files() + " or "
          + DECLARED_NAMES.inline());
    }
    if (jsonSchema != JsonSchema.DECLARED && declared != null) {
      throw new ConfigException(JSON_SCHEMA, c.getString(JSON_SCHEMA), "a JSON Schema is declared: set "
          + JSON_SCHEMA + "=declared to use it");
    }
    gzip = EnumChoice.parse(Gzip.class, c.getString(GZIP));
    Base64.Encoder e = EnumChoice.parse(Alphabet.class, c.getString(ALPHABET)) == Alphabet.URL_SAFE
        ? Base64.getUrlEncoder() : Base64.getEncoder();
    encoder = c.getBoolean(PADDING) ? e : e.withoutPadding();
    attributePrefix = c.getString(ATTRIBUTE_PREFIX);
    maxBytes = c.getInt(MAX_BYTES);
    onMissing = Absent.parse(c.getString(ON_MISSING));
    onNull = Absent.parse(c.getString(ON_NULL));
    onError = EnumChoice.parse(OnError.class, c.getString(ON_ERROR));
    if (mode == Mode.DECODE && envelope == Envelope.PUBSUB_MESSAGE) {
      throw new ConfigException(ENVELOPE, "pubsub_message", "wraps encoded values: use it with mode=encode");
    }
    if (mode == Mode.ENCODE && (envelope == Envelope.PUBSUB_PUSH || envelope == Envelope.CUSTOM)) {
      throw new ConfigException(ENVELOPE, c.getString(ENVELOPE), "unwraps decoded values: use it with mode=decode");
    }
    if (envelope == Envelope.PUBSUB_MESSAGE && !field.isRoot()) {
      throw new ConfigException(FIELD, field.toString(), "pubsub_message encodes the whole key or value");
    }
  }

  protected abstract Schema operatingSchema(R record);

  protected abstract Object operatingValue(R record);

  protected abstract R newRecord(R record, Schema schema, Object value, Headers headers);

  @Override
  public R apply(R record) {
    try {
      return mode == Mode.ENCODE ? encode(record) : envelope == Envelope.NONE ? decodeField(record)
          : unwrap(record);
    } catch (DataException e) {
      String message = Records.describe(record) + ": " + e.getMessage();
      if (onError == OnError.PASSTHROUGH) {
        Headers headers = record.headers().duplicate();
        headers.addString(ERROR_HEADER, message);
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
            record.valueSchema(), record.value(), record.timestamp(), headers);
      }
      throw new DataException(message, e);
    }
  }

  /** The record as {@code on.missing} / {@code on.null} say, when the payload is absent. */
  private R absent(R record, Absent rule, String what) {
    return switch (rule) {
      case PASSTHROUGH -> record;
      case FAIL -> throw new DataException(what);
      case NULL -> field.isRoot() || operatingValue(record) == null
          ? newRecord(record, operatingSchema(record) == null ? null : Schema.OPTIONAL_STRING_SCHEMA, null,
              record.headers())
          : replace(record, null, Schema.OPTIONAL_STRING_SCHEMA, record.headers());
    };
  }

  private R decodeField(R record) {
    Object container = operatingValue(record);
    Object encoded = container == null ? null : field.get(container);
    if (encoded == FieldPath.MISSING) {
      return absent(record, onMissing, "field " + field + " is missing");
    }
    if (encoded == null) {
      return absent(record, onNull, field.isRoot() ? "the value is null" : "field " + field + " is null");
    }
    boolean withSchema = operatingSchema(record) != null;
    Decoded d = decode(encoded, withSchema, record.topic());
    return replace(record, d.value(), d.schema(), record.headers());
  }

  private R replace(R record, Object value, Schema schema, Headers headers) {
    if (field.isRoot()) {
      return newRecord(record, schema, value, headers);
    }
    Object container = operatingValue(record);
    Object replaced = field.replace(container, value, schema);
    return newRecord(record, replaced instanceof Struct s ? s.schema() : operatingSchema(record), replaced, headers);
  }

  private R unwrap(R record) {
    Object body = field.isRoot() ? operatingValue(record) : field.get(operatingValue(record));
    if (body == FieldPath.MISSING) {
      return absent(record, onMissing, "field " + field + " is missing");
    }
    if (body == null) {
      return absent(record, onNull, "the envelope is null");
    }
    if (body instanceof String || body instanceof byte[] || body instanceof ByteBuffer) {
      body = JsonValues.schemaless(parse(bytes(body), "the envelope"));
    }
    Object payload = payloadPath.get(body);
    if (payload == FieldPath.MISSING) {
      return absent(record, onMissing, "the envelope has no " + payloadPath);
    }
    Headers headers = record.headers().duplicate();
    Object attributes = attributesPath.isRoot() ? null : attributesPath.get(body);
    if (attributes instanceof Map<?, ?> m) {
      m.forEach((k, v) -> headers.addString(attributePrefix + k, v == null ? null : v.toString()));
    } else if (attributes instanceof Struct s) {
      for (Field f : s.schema().fields()) {
        Object v = s.get(f);
        headers.addString(attributePrefix + f.name(), v == null ? null : v.toString());
      }
    }
    if (envelope == Envelope.PUBSUB_PUSH) {
      header(headers, "pubsub.message_id", body, MESSAGE_ID);
      header(headers, "pubsub.publish_time", body, PUBLISH_TIME);
      header(headers, "pubsub.subscription", body, SUBSCRIPTION);
    }
    if (payload == null) {
      // Pub/Sub allows a message of attributes only
      return onNull == Absent.FAIL ? absent(record, onNull, "the envelope's " + payloadPath + " is null")
          : newRecord(record, operatingSchema(record) == null ? null : Schema.OPTIONAL_STRING_SCHEMA, null, headers);
    }
    Decoded d = decode(payload, operatingSchema(record) != null || jsonSchema != JsonSchema.NONE, record.topic());
    return newRecord(record, d.schema(), d.value(), headers);
  }

  /** Where a Pub/Sub push body has its ids (both spellings Pub/Sub sends), parsed once. */
  private static final List<FieldPath> MESSAGE_ID = List.of(FieldPath.parse("message.messageId"),
      FieldPath.parse("message.message_id"));
  private static final List<FieldPath> PUBLISH_TIME = List.of(FieldPath.parse("message.publishTime"),
      FieldPath.parse("message.publish_time"));
  private static final List<FieldPath> SUBSCRIPTION = List.of(FieldPath.parse("subscription"));

  private static void header(Headers headers, String name, Object body, List<FieldPath> paths) {
    for (FieldPath p : paths) {
      Object v = p.get(body);
      if (v != FieldPath.MISSING && v != null) {
        headers.addString(name, v.toString());
        return;
      }
    }
  }

  /** A decoded payload and its schema (null when schemaless). */
  private record Decoded(Object value, Schema schema) {}

  private Decoded decode(Object encoded, boolean withSchema, String topic) {
    byte[] raw = base64(encoded);
    if (gzip == Gzip.ALWAYS || gzip == Gzip.AUTO && raw.length >= 2 && (raw[0] & 0xff) == 0x1f
        && (raw[1] & 0xff) == 0x8b) {
      raw = gunzip(raw);
    }
    return switch (output) {
      case STRING -> new Decoded(new String(raw, StandardCharsets.UTF_8), withSchema ? Schema.OPTIONAL_STRING_SCHEMA
          : null);
      case BYTES -> new Decoded(raw, withSchema ? Schema.OPTIONAL_BYTES_SCHEMA : null);
      case JSON -> {
        JsonNode node = parse(raw, "the decoded payload");
        if (!withSchema || jsonSchema == JsonSchema.NONE) {
          yield new Decoded(JsonValues.schemaless(node), null);
        }
        if (jsonSchema == JsonSchema.DECLARED) {
          yield new Decoded(declared.value(node), declared.schema());
        }
        Schema schema;
        synchronized (schemas) {
          schema = schemas.learn(topic, node); // one widening schema per topic
        }
        yield new Decoded(JsonSchemaLearner.value(node, schema), schema);
      }
    };
  }

  /** Base64 text (standard or URL-safe alphabet, padded or not, whitespace ignored) to bytes. */
  private byte[] base64(Object encoded) {
    String text = encoded instanceof String s ? s : new String(bytes(encoded), StandardCharsets.US_ASCII);
    StringBuilder b = new StringBuilder(text.length() + 3);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '-') {
        b.append('+');
      } else if (c == '_') {
        b.append('/');
      } else if (!Character.isWhitespace(c)) {
        b.append(c);
      }
    }
    while (b.length() % 4 != 0) {
      b.append('=');
    }
    if ((long) b.length() / 4 * 3 > maxBytes) {
      throw new DataException("the base64 payload decodes to more than " + MAX_BYTES + " (" + maxBytes + ") bytes");
    }
    try {
      return Base64.getDecoder().decode(b.toString());
    } catch (IllegalArgumentException e) {
      throw new DataException("not base64: " + e.getMessage() + " (in " + abbreviate(text) + ")");
    }
  }

  private byte[] gunzip(byte[] raw) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(raw.length * 4, maxBytes));
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        if (out.size() + n > maxBytes) {
          throw new DataException("the gzip payload inflates to more than " + MAX_BYTES + " (" + maxBytes + ") bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new DataException("not gzip (or cut short): " + e.getMessage());
    }
  }

  private static JsonNode parse(byte[] raw, String what) {
    try {
      return JSON.readTree(raw);
    } catch (IOException e) {
      throw new DataException(what + " is not JSON: " + e.getMessage().split("\n")[0]);
    }
  }

  private static byte[] bytes(Object v) {
    if (v instanceof byte[] b) {
      return b;
    }
    if (v instanceof ByteBuffer buffer) {
      byte[] b = new byte[buffer.remaining()];
      buffer.duplicate().get(b);
      return b;
    }
    return v.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? "'" + s + "'" : "'" + s.substring(0, 40) + "...' (" + s.length() + " chars)";
  }

  // ---- encode ----

  private R encode(R record) {
    Object container = operatingValue(record);
    Object value = container == null ? null : field.get(container);
    if (value == FieldPath.MISSING) {
      return absent(record, onMissing, "field " + field + " is missing");
    }
    if (value == null) {
      return absent(record, onNull, field.isRoot() ? "the value is null" : "field " + field + " is null");
    }
    byte[] raw = value instanceof String s ? s.getBytes(StandardCharsets.UTF_8)
        : value instanceof byte[] || value instanceof ByteBuffer ? bytes(value) : json(value);
    if (gzip == Gzip.ALWAYS) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
      try (GZIPOutputStream z = new GZIPOutputStream(out)) {
        z.write(raw);
      } catch (IOException e) {
        throw new DataException("cannot gzip: " + e.getMessage());
      }
      raw = out.toByteArray();
    }
    String text = encoder.encodeToString(raw);
    if (envelope == Envelope.PUBSUB_MESSAGE) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("data", text);
      Map<String, String> attributes = new LinkedHashMap<>();
      record.headers().forEach(h -> {
        if (h.key().startsWith(attributePrefix) && h.value() != null) {
          attributes.put(h.key().substring(attributePrefix.length()), h.value().toString());
        }
      });
      message.put("attributes", attributes);
      return newRecord(record, null, message, record.headers());
    }
    return replace(record, text, Schema.OPTIONAL_STRING_SCHEMA, record.headers());
  }

  /** A struct, map, list or other value as JSON text (logical types as their plain JSON forms). */
  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(plain(value));
    } catch (JsonProcessingException e) {
      throw new DataException("cannot write as JSON: " + e.getMessage());
    }
  }

  private static Object plain(Object v) {
    if (v instanceof Struct s) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Field f : s.schema().fields()) {
        out.put(f.name(), plain(s.get(f)));
      }
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
      return out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      c.forEach(x -> out.add(plain(x)));
      return out;
    }
    if (v instanceof byte[] || v instanceof ByteBuffer) {
      return Base64.getEncoder().encodeToString(bytes(v));
    }
    if (v instanceof Date d) {
      return d.toInstant().toString();
    }
    if (v instanceof BigDecimal d) {
      return d;
    }
    return v;
  }

  @Override
  public void close() {
  }

  /** Decodes or encodes in the record's key. */
  public static final class Key<R extends ConnectRecord<R>> extends Base64Envelope<R> {
    @Override
    protected Schema operatingSchema(R record) {
      return record.keySchema();
    }

    @Override
    protected Object operatingValue(R record) {
      return record.key();
    }

    @Override
    protected R newRecord(R record, Schema schema, Object value, Headers headers) {
      return record.newRecord(record.topic(), record.kafkaPartition(), schema, value, record.valueSchema(),
          record.value(), record.timestamp(), headers);
    }
  }

  /** Decodes or encodes in the record's value. */
  public static final class Value<R extends ConnectRecord<R>> extends Base64Envelope<R> {
    @Override
    protected Schema operatingSchema(R record) {
      return record.valueSchema();
    }

    @Override
    protected Object operatingValue(R record) {
      return record.value();
    }

    @Override
    protected R newRecord(R record, Schema schema, Object value, Headers headers) {
      return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), schema,
          value, record.timestamp(), headers);
    }
  }
}
