package io.cloudbridge.staging.format;

import io.cloudbridge.common.json.ConnectJson;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.apache.kafka.connect.data.Schema;

/**
 * A Connect value as one piece of text, for CSV cells, Avro header values and schemaless keys: a scalar in its
 * {@link ConnectJson} form without JSON quotes (so a Date is {@code 2026-11-22}, a string itself), a struct, map or
 * array as JSON text.
 */
final class JsonText {

  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonText() {}

  static String of(Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String s && (schema == null || schema.name() == null)) {
      return s;
    }
    try {
      TokenBuffer tokens = new TokenBuffer(null, false);
      ConnectJson.write(tokens, schema, value);
      try (JsonParser p = tokens.asParser()) {
        JsonToken first = p.nextToken();
        if (first.isScalarValue()) {
          return first == JsonToken.VALUE_NULL ? null : p.getText();
        }
      }
      StringWriter out = new StringWriter();
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        tokens.serialize(g);
      }
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
