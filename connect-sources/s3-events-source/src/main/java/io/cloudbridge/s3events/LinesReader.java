package io.cloudbridge.s3events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.cloudbridge.common.json.JsonValueSchemas;
import io.cloudbridge.common.json.JsonValues;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;

/**
 * JSON lines (a document per line; blank lines are not records) or text lines (a string per line). Both can be
 * resumed from a byte position when the object is not compressed.
 */
final class LinesReader implements RecordReader {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** JSON to the values of a schemaless Connect record: maps, lists, strings, longs, doubles, booleans. */
  private static final ObjectReader MAPS = JSON.readerFor(Object.class)
      .with(DeserializationFeature.USE_LONG_FOR_INTS);

  private final InputStream in;
  private final LineReader lines;
  private final boolean json;
  /** Learns the schema of JSON lines; null for schemaless values. */
  private final JsonValueSchemas schemas;
  private final boolean seekable;
  private final int maxRecordBytes;

  LinesReader(InputStream in, boolean json, JsonValueSchemas schemas, boolean seekable, long startPosition, long startLine,
      int maxRecordBytes) {
    this.in = in;
    this.lines = new LineReader(in, startPosition, startLine, maxRecordBytes);
    this.json = json;
    this.schemas = schemas;
    this.seekable = seekable;
    this.maxRecordBytes = maxRecordBytes;
  }

  @Override
  public Parsed next() throws IOException, BadRecordException {
    while (lines.next()) {
      long after = seekable ? lines.position() : -1;
      if (lines.tooLong()) {
        throw new BadRecordException("line longer than max.record.bytes (" + maxRecordBytes + ")", null,
            lines.lineNumber(), after);
      }
      if (!json) {
        return new Parsed(Schema.STRING_SCHEMA, new String(lines.bytes(), 0, lines.length(), StandardCharsets.UTF_8),
            lines.lineNumber(), after);
      }
      if (blank(lines.bytes(), lines.length())) {
        continue;
      }
      if (schemas == null) {
        try {
          // Straight to maps and lists, the common case, without a tree in between.
          return new Parsed(null, MAPS.readValue(lines.bytes(), 0, lines.length()), lines.lineNumber(), after);
        } catch (InputCoercionException beyondLong) {
          // An integer beyond 64 bits: the tree path below turns it into a double, as for schemas.
        } catch (JsonProcessingException e) {
          throw notJson(e, after);
        }
      }
      JsonNode node;
      try {
        node = JSON.readTree(lines.bytes(), 0, lines.length());
      } catch (JsonProcessingException e) {
        throw notJson(e, after);
      }
      if (schemas == null) {
        return new Parsed(null, JsonValues.schemaless(node), lines.lineNumber(), after);
      }
      try {
        SchemaAndValue v = schemas.convert("", node);
        return new Parsed(v.schema(), v.value(), lines.lineNumber(), after);
      } catch (DataException misfit) {
        throw new BadRecordException(misfit.getMessage(), Arrays.copyOf(lines.bytes(), lines.length()),
            lines.lineNumber(), after);
      }
    }
    return null;
  }

  /** Skips lines without parsing them, counting records as {@link #next} does (blank JSON lines are none). */
  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n && lines.next()) {
      if (json && !lines.tooLong() && blank(lines.bytes(), lines.length())) {
        continue;
      }
      skipped++;
    }
    return skipped;
  }

  private BadRecordException notJson(JsonProcessingException e, long after) {
    return new BadRecordException("not JSON: " + e.getOriginalMessage(), Arrays.copyOf(lines.bytes(), lines.length()),
        lines.lineNumber(), after);
  }

  private static boolean blank(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
