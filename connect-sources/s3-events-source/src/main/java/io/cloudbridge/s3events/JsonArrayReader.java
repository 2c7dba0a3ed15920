package io.cloudbridge.s3events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.common.json.JsonValueSchemas;
import io.cloudbridge.common.json.JsonValues;
import java.io.IOException;
import java.io.InputStream;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.errors.DataException;

/**
 * A JSON document whose top level is an array: a record per element, streamed with Jackson's parser so only one
 * element is in memory. Damage inside the array ends the object (there is no line to resynchronise on).
 */
final class JsonArrayReader implements RecordReader {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final InputStream in;
  private final JsonParser parser;
  /** Learns the schema of the elements; null for schemaless values. */
  private final JsonValueSchemas schemas;
  private boolean started;

  JsonArrayReader(InputStream in, JsonValueSchemas schemas) throws IOException {
    this.in = in;
    this.parser = JSON.getFactory().createParser(in);
    this.schemas = schemas;
  }

  @Override
  public Parsed next() throws IOException, BadRecordException {
    JsonToken token;
    try {
      if (!started) {
        started = true;
        token = parser.nextToken();
        if (token == null) {
          return null;
        }
        if (token != JsonToken.START_ARRAY) {
          throw new CorruptObjectException("a json_array object must start with '[', found " + token);
        }
      }
      token = parser.nextToken();
      if (token == null || token == JsonToken.END_ARRAY) {
        return null;
      }
      JsonNode node = JSON.readTree(parser);
      long line = parser.currentLocation().getLineNr();
      if (schemas == null) {
        return new Parsed(null, JsonValues.schemaless(node), line, -1);
      }
      try {
        SchemaAndValue v = schemas.convert("", node);
        return new Parsed(v.schema(), v.value(), line, -1);
      } catch (DataException misfit) {
        throw new BadRecordException(misfit.getMessage(), node.toString().getBytes(StandardCharsets.UTF_8), line, -1);
      }
    } catch (JsonProcessingException e) {
      throw new CorruptObjectException("bad JSON at line " + parser.currentLocation().getLineNr() + ": "
          + e.getOriginalMessage(), e);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n) {
      if (!started) {
        started = true;
        if (parser.nextToken() != JsonToken.START_ARRAY) {
          return 0;
        }
      }
      JsonToken token = parser.nextToken();
      if (token == null || token == JsonToken.END_ARRAY) {
        break;
      }
      parser.skipChildren();
      skipped++;
    }
    return skipped;
  }

  @Override
  public void close() throws IOException {
    parser.close();
    in.close();
  }
}
