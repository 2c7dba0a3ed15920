package io.cloudbridge.s3events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * CSV with a header row naming the fields (RFC 4180 quoting, so a quoted field may span lines), read with
 * Jackson's CSV parser. Fields are strings, or with {@code inferred} types integers (INT64), decimals (FLOAT64),
 * true/false (BOOLEAN), and null for empty fields. Rows are resumed by count, not position.
 */
final class CsvReader implements RecordReader {

  private static final CsvMapper CSV = new CsvMapper();
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");
  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+\\.[0-9]+([eE][-+]?[0-9]+)?");

  private final InputStream in;
  private final MappingIterator<Map<String, String>> rows;
  private final boolean schemas;
  private final boolean inferred;
  private List<String> columns;
  private Schema stringSchema;

  CsvReader(InputStream in, char separator, boolean schemas, boolean inferred) throws IOException {
    this.in = in;
    this.schemas = schemas;
    this.inferred = inferred;
    CsvSchema header = CsvSchema.emptySchema().withHeader().withColumnSeparator(separator);
    this.rows = CSV.readerFor(Map.class).with(header).with(CsvParser.Feature.TRIM_SPACES)
        .without(CsvParser.Feature.IGNORE_TRAILING_UNMAPPABLE).readValues(in);
  }

  @Override
  public Parsed next() throws IOException, BadRecordException {
    Map<String, String> row;
    try {
      if (!rows.hasNextValue()) {
        return null;
      }
      row = rows.nextValue();
    } catch (JsonProcessingException | RuntimeJsonMappingException e) {
      long line = rows.getParser().currentLocation().getLineNr();
      throw new BadRecordException("bad CSV row: " + e.getMessage().lines().findFirst().orElse(""), null, line, -1);
    }
    long line = rows.getParser().currentLocation().getLineNr();
    if (columns == null) {
      columns = header(((CsvParser) rows.getParser()).getSchema().getColumnNames());
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (String column : columns) {
      String v = row.get(column);
      values.put(column, inferred ? infer(v) : v);
    }
    if (!schemas) {
      return new Parsed(null, values, line, -1);
    }
    Schema schema = inferred ? inferredSchema(values) : stringSchema();
    Struct struct = new Struct(schema);
    values.forEach(struct::put);
    return new Parsed(schema, struct, line, -1);
  }

  /** The header's column names; one that is empty or given twice cannot name a field, so the object is refused. */
  private static List<String> header(List<String> names) throws CorruptObjectException {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name == null || name.isBlank()) {
        throw new CorruptObjectException("the CSV header's column " + (i + 1) + " has no name");
      }
      if (!seen.add(name)) {
        throw new CorruptObjectException("the CSV header names column \"" + name + "\" twice");
      }
    }
    return new ArrayList<>(names);
  }

  private Schema stringSchema() {
    if (stringSchema == null) {
      SchemaBuilder b = SchemaBuilder.struct();
      columns.forEach(c -> b.field(c, Schema.OPTIONAL_STRING_SCHEMA));
      stringSchema = b.build();
    }
    return stringSchema;
  }

  private static Schema inferredSchema(Map<String, Object> values) {
    SchemaBuilder b = SchemaBuilder.struct();
    values.forEach((name, v) -> b.field(name, v instanceof Long ? Schema.OPTIONAL_INT64_SCHEMA
        : v instanceof Double ? Schema.OPTIONAL_FLOAT64_SCHEMA
        : v instanceof Boolean ? Schema.OPTIONAL_BOOLEAN_SCHEMA : Schema.OPTIONAL_STRING_SCHEMA));
    return b.build();
  }

  private static Object infer(String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (INTEGER.matcher(v).matches()) {
      return Long.parseLong(v);
    }
    if (DECIMAL.matcher(v).matches()) {
      return Double.parseDouble(v);
    }
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v);
    }
    return v;
  }

  @Override
  public void close() throws IOException {
    rows.close();
    in.close();
  }
}
