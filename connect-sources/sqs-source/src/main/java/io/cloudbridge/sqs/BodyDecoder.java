package io.cloudbridge.sqs;

import io.cloudbridge.common.config.DeclaredSchemas;
import io.cloudbridge.common.json.DeclaredJsonSchema;
import io.cloudbridge.common.json.JsonValueSchemas;
import io.cloudbridge.common.json.JsonValues;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Reads an SQS message body into a record value: optionally unwraps an SNS notification (keeping its
 * message attributes), optionally decodes base64, then applies the value format (EventBridge envelope,
 * any JSON, string or bytes), with a schema or schemaless.
 */
final class BodyDecoder {

  /** The EventBridge envelope fields that every event has. */
  private static final List<String> REQUIRED = List.of("id", "detail-type", "source", "time", "detail");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SqsSourceConfig.ValueFormat format;
  private final boolean schemas;
  private final boolean detailAsJsonString;
  private final boolean base64;
  private final boolean snsUnwrap;
  /** Declared detail schemas by source and detail-type (EventBridge) or the body's (json); else learned ones. */
  private final JsonValueSchemas valueSchemas;
  /** The envelope schema around each detail schema the learner returned (the same instance while it fits). */
  private final Map<Schema, Schema> envelopes = new java.util.IdentityHashMap<>();

  BodyDecoder(SqsSourceConfig.ValueFormat format, boolean schemas, boolean detailAsJsonString, boolean base64,
              boolean snsUnwrap) {
    this(format, schemas, detailAsJsonString, base64, snsUnwrap, null);
  }

  /** With the schemas the user declared ({@code null} or empty: all learned); validated by the config. */
  BodyDecoder(SqsSourceConfig.ValueFormat format, boolean schemas, boolean detailAsJsonString, boolean base64,
              boolean snsUnwrap, DeclaredSchemas declared) {
    Map<String, DeclaredJsonSchema> details = new java.util.HashMap<>();
    if (declared != null && format == SqsSourceConfig.ValueFormat.EVENTBRIDGE) {
      declared.all().forEach(d -> details.put(d.source() + "\u0000" + d.detailType(), d.property("detail")));
    }
    this.valueSchemas = new JsonValueSchemas(details, declared != null && format == SqsSourceConfig.ValueFormat.JSON
        ? declared.single() : null);
    this.format = format;
    this.schemas = schemas;
    this.detailAsJsonString = detailAsJsonString;
    this.base64 = base64;
    this.snsUnwrap = snsUnwrap;
  }

  DecodedBody decode(String body) throws MalformedMessageException {
    Map<String, String> snsAttributes = Map.of();
    if (snsUnwrap) {
      JsonNode envelope = tryParse(body);
      if (envelope != null && "Notification".equals(envelope.path("Type").asText()) && envelope.has("Message")) {
        body = envelope.get("Message").asText();
        snsAttributes = new LinkedHashMap<>();
        for (var it = envelope.path("MessageAttributes").fields(); it.hasNext(); ) {
          var e = it.next();
          snsAttributes.put(e.getKey(), e.getValue().path("Value").asText());
        }
      }
    }
    byte[] bytes;
    if (base64) {
      try {
        // Standard or URL-safe alphabet, padding optional, line breaks allowed; anything else is an error.
        String compact = body.replaceAll("\\s", "").replace('-', '+').replace('_', '/');
        bytes = Base64.getDecoder().decode(compact);
      } catch (IllegalArgumentException e) {
        throw new MalformedMessageException("body is not valid base64: " + e.getMessage(), e);
      }
    } else {
      bytes = body.getBytes(StandardCharsets.UTF_8);
    }
    return switch (format) {
      case BYTES -> new DecodedBody(schemas ? Schema.BYTES_SCHEMA : null, bytes, null, snsAttributes);
      case STRING -> new DecodedBody(schemas ? Schema.STRING_SCHEMA : null,
          new String(bytes, StandardCharsets.UTF_8), null, snsAttributes);
      case JSON -> json(parse(bytes), snsAttributes);
      case EVENTBRIDGE -> eventBridge(parse(bytes), snsAttributes);
    };
  }

  private DecodedBody json(JsonNode node, Map<String, String> snsAttributes) throws MalformedMessageException {
    if (!schemas) {
      return new DecodedBody(null, JsonValues.schemaless(node), node, snsAttributes);
    }
    try {
      SchemaAndValue v = valueSchemas.convert("", node);
      return new DecodedBody(v.schema(), v.value(), node, snsAttributes);
    } catch (DataException misfit) {
      throw new MalformedMessageException(misfit.getMessage(), misfit);
    }
  }

  /** How often a learned schema widened (the schema-changes-total metric). */
  long schemaChanges() {
    return valueSchemas.changes();
  }

  private DecodedBody eventBridge(JsonNode event, Map<String, String> snsAttributes) throws MalformedMessageException {
    if (!event.isObject()) {
      throw new MalformedMessageException("an EventBridge event must be a JSON object");
    }
    for (String field : REQUIRED) {
      if (!event.hasNonNull(field)) {
        throw new MalformedMessageException("EventBridge envelope field '" + field + "' is missing");
      }
    }
    if (!event.get("detail").isObject()) {
      throw new MalformedMessageException("EventBridge envelope field 'detail' is not a JSON object");
    }
    if (!schemas) {
      @SuppressWarnings("unchecked")
      Map<String, Object> parsed = (Map<String, Object>) JsonValues.schemaless(event);
      // The envelope's field names are the same with and without schemas: detail_type, not the event's detail-type
      // (so {{value.detail_type}} works either way); the detail keeps the event's own names.
      Map<String, Object> value = new LinkedHashMap<>();
      parsed.forEach((k, v) -> value.put(k.equals("detail-type") ? "detail_type"
          : k.equals("replay-name") ? "replay_name" : k, v));
      if (detailAsJsonString) {
        value.put("detail", event.get("detail").toString());
      }
      return new DecodedBody(null, value, event, snsAttributes);
    }
    Schema detailSchema;
    Object detail;
    if (detailAsJsonString) {
      detailSchema = Schema.STRING_SCHEMA;
      detail = event.get("detail").toString();
    } else {
      try {
        // One stream per source and detail-type: the key of an event's shape (and of a declared schema).
        SchemaAndValue v = valueSchemas.convert(text(event, "source") + "\u0000" + text(event, "detail-type"),
            event.get("detail"));
        detailSchema = v.schema();
        detail = v.value();
      } catch (DataException misfit) {
        throw new MalformedMessageException("detail: " + misfit.getMessage(), misfit);
      }
    }
    Schema schema = envelopes.get(detailSchema);
    if (schema == null) {
      if (envelopes.size() >= 1_000) {
        envelopes.clear(); // widened schemas leave old entries behind; rebuilding one is cheap
      }
      schema = envelope(detailSchema);
      envelopes.put(detailSchema, schema);
    }
    Struct value = new Struct(schema)
        .put("version", text(event, "version"))
        .put("id", text(event, "id"))
        .put("detail_type", text(event, "detail-type"))
        .put("source", text(event, "source"))
        .put("account", text(event, "account"))
        .put("time", text(event, "time"))
        .put("region", text(event, "region"))
        .put("resources", resources(event))
        .put("detail", detail)
        .put("replay_name", text(event, "replay-name"));
    return new DecodedBody(schema, value, event, snsAttributes);
  }

  private static Schema envelope(Schema detailSchema) {
    return SchemaBuilder.struct().name("io.cloudbridge.sqs.EventBridgeEvent")
        .field("version", Schema.OPTIONAL_STRING_SCHEMA)
        .field("id", Schema.STRING_SCHEMA)
        .field("detail_type", Schema.STRING_SCHEMA)
        .field("source", Schema.STRING_SCHEMA)
        .field("account", Schema.OPTIONAL_STRING_SCHEMA)
        .field("time", Schema.STRING_SCHEMA)
        .field("region", Schema.OPTIONAL_STRING_SCHEMA)
        .field("resources", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
        .field("detail", detailSchema)
        // EventBridge adds replay-name to the events of an archive replay
        .field("replay_name", Schema.OPTIONAL_STRING_SCHEMA)
        .build();
  }

  private static List<String> resources(JsonNode event) {
    JsonNode r = event.get("resources");
    if (r == null || !r.isArray()) {
      return null;
    }
    return java.util.stream.StreamSupport.stream(r.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static String text(JsonNode event, String field) {
    JsonNode v = event.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static JsonNode parse(byte[] bytes) throws MalformedMessageException {
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new MalformedMessageException("body is empty, not JSON");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new MalformedMessageException("body is not JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new MalformedMessageException("body is not JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode tryParse(String body) {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
