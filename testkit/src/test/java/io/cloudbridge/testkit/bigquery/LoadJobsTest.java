package io.cloudbridge.testkit.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatus;
import com.google.cloud.bigquery.LegacySQLTypeName;
import com.google.cloud.bigquery.LoadJobConfiguration;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Load jobs of the BigQuery stand-in through the real BigQuery and Storage clients. */
class LoadJobsTest {

  private static final String DATASET = "logs";

  private GcsStandIn gcs;
  private BigQueryStandIn bq;
  private BigQuery rest;

  @BeforeEach
  void start() {
    gcs = GcsStandIn.inMemory();
    gcs.createBucket("staging");
    bq = BigQueryStandIn.start().readsFrom(gcs);
    rest = bq.bigQuery();
    rest.create(DatasetInfo.of(DATASET));
    rest.create(TableInfo.of(TableId.of(DATASET, "access"), StandardTableDefinition.of(Schema.of(
        Field.newBuilder("id", LegacySQLTypeName.INTEGER).setMode(Field.Mode.REQUIRED).build(),
        Field.of("path", LegacySQLTypeName.STRING),
        Field.of("ts", LegacySQLTypeName.TIMESTAMP),
        Field.of("amount", LegacySQLTypeName.NUMERIC)))));
  }

  @AfterEach
  void stop() {
    bq.close();
    gcs.close();
  }

  private static org.apache.avro.Schema accessSchema(boolean withDay) {
    var fields = SchemaBuilder.record("Row").fields()
        .requiredLong("id")
        .optionalString("path")
        .name("ts").type().unionOf().nullType().and()
        .type(LogicalTypes.timestampMicros().addToSchema(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG)))
        .endUnion().nullDefault()
        .name("amount").type().unionOf().nullType().and()
        .type(LogicalTypes.decimal(38, 9).addToSchema(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BYTES)))
        .endUnion().nullDefault();
    if (withDay) {
      fields = fields.name("day").type().unionOf().nullType().and()
          .type(LogicalTypes.localTimestampMicros().addToSchema(
              org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG)))
          .endUnion().nullDefault();
    }
    return fields.endRecord();
  }

  private String stageAvro(String name, org.apache.avro.Schema schema, List<GenericRecord> rows) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
      w.create(schema, out);
      for (GenericRecord r : rows) {
        w.append(r);
      }
    }
    gcs.client().create(BlobInfo.newBuilder(BlobId.of("staging", name)).build(), out.toByteArray());
    return "gs://staging/" + name;
  }

  private static GenericRecord row(org.apache.avro.Schema schema, long id, String path, Long tsMicros,
      String amount) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", id);
    r.put("path", path);
    r.put("ts", tsMicros);
    r.put("amount", amount == null ? null
        : ByteBuffer.wrap(new BigDecimal(amount).setScale(9).unscaledValue().toByteArray()));
    return r;
  }

  private Job load(String jobId, String uri, FormatOptions format, LoadJobConfiguration.Builder extra) {
    LoadJobConfiguration.Builder b = extra != null ? extra
        : LoadJobConfiguration.newBuilder(TableId.of(DATASET, "access"), uri, format);
    b.setUseAvroLogicalTypes(true);
    return rest.create(JobInfo.of(JobId.newBuilder().setJob(jobId).setLocation("US").build(), b.build()));
  }

  private Job done(Job job) throws Exception {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> rest.getJob(job.getJobId()).getStatus().getState() == JobStatus.State.DONE);
    return rest.getJob(job.getJobId());
  }

  @Test
  void anAvroLoadAppendsTypedRowsAtOnceWhenDoneAndADuplicateJobIdIsRefusedWith409() throws Exception {
    org.apache.avro.Schema schema = accessSchema(false);
    long ts = Instant.parse("2019-03-01T10:15:30.123456Z").getEpochSecond() * 1_000_000L + 123_456L;
    String uri = stageAvro("a/0-1.avro", schema, List.of(row(schema, 1, "/über/ß", ts, "5000"),
        row(schema, 2, null, null, "5000.5")));

    bq.jobDurations(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1));
    Job job = load("cb_access_0_0_a0", uri, FormatOptions.avro(), null);
    assertThat(job.getStatus().getState()).isEqualTo(JobStatus.State.PENDING);
    assertThat(bq.rows(DATASET, "access")).as("nothing before the job is DONE").isEmpty();
    Job finished = done(job);

    assertThat(finished.getStatus().getError()).isNull();
    assertThat(finished.getJobId().getLocation()).isEqualTo("US");
    List<Map<String, Object>> rows = bq.rows(DATASET, "access");
    assertThat(rows).hasSize(2);
    Map<String, Object> first = rows.stream().filter(r -> r.get("id").equals(1L)).findFirst().orElseThrow();
    assertThat(first).containsEntry("path", "/über/ß")
        .containsEntry("ts", Instant.parse("2019-03-01T10:15:30.123456Z"))
        .containsEntry("amount", new BigDecimal("5000.000000000"));
    assertThat(rows.stream().filter(r -> r.get("id").equals(2L)).findFirst().orElseThrow())
        .containsEntry("amount", new BigDecimal("5000.500000000")).doesNotContainKey("path");

    // The REST API refuses the id; the Java client (2.57.1, BigQueryImpl.create) then fetches the existing job and
    // returns it when it was created in the last 24 hours, else throws the 409.
    java.net.http.HttpResponse<String> raw = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(bq.restUrl() + "/bigquery/v2/projects/"
            + BigQueryStandIn.PROJECT + "/jobs")).header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"jobReference\":{\"jobId\":\"cb_access_0_0_a0\"},"
                + "\"configuration\":{\"load\":{\"sourceUris\":[\"" + uri + "\"],\"sourceFormat\":\"AVRO\","
                + "\"destinationTable\":{\"datasetId\":\"" + DATASET + "\",\"tableId\":\"access\"}}}}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isEqualTo(409);
    assertThat(raw.body()).contains("\"reason\":\"duplicate\"")
        .contains("Already Exists: Job " + BigQueryStandIn.PROJECT + ":US.cb_access_0_0_a0");
    Job again = load("cb_access_0_0_a0", uri, FormatOptions.avro(), null);
    assertThat(again.getStatistics().getCreationTime()).isEqualTo(finished.getStatistics().getCreationTime());
    assertThat(bq.rows(DATASET, "access")).as("the refused duplicate loads nothing").hasSize(2);
    assertThatThrownBy(() -> load("bad id!", uri, FormatOptions.avro(), null))
        .isInstanceOfSatisfying(BigQueryException.class, e -> assertThat(e.getCode()).isEqualTo(400));
  }

  @Test
  void aNewColumnNeedsAllowFieldAdditionAndAFailedLoadLoadsNothingAndNamesTheFile() throws Exception {
    org.apache.avro.Schema schema = accessSchema(true);
    GenericRecord r = row(schema, 7, "/x", null, null);
    r.put("day", LocalDateTime.parse("2020-02-29T23:59:59.000001").toEpochSecond(java.time.ZoneOffset.UTC)
        * 1_000_000L + 1);
    String uri = stageAvro("a/7-7.avro", schema, List.of(r));

    Job refused = done(load("no_addition", uri, FormatOptions.avro(), null));
    assertThat(refused.getStatus().getError().getMessage()).contains("Provided Schema does not match Table")
        .contains("Cannot add fields (field: day)");
    assertThat(bq.rows(DATASET, "access")).isEmpty();

    Job added = done(load("with_addition", uri, FormatOptions.avro(),
        LoadJobConfiguration.newBuilder(TableId.of(DATASET, "access"), uri, FormatOptions.avro())
            .setSchemaUpdateOptions(List.of(JobInfo.SchemaUpdateOption.ALLOW_FIELD_ADDITION))));
    assertThat(added.getStatus().getError()).isNull();
    assertThat(rest.getTable(TableId.of(DATASET, "access")).getDefinition().getSchema().getFields().get("day")
        .getType()).isEqualTo(LegacySQLTypeName.DATETIME);
    assertThat(bq.rows(DATASET, "access")).singleElement().satisfies(row -> assertThat(row)
        .containsEntry("day", LocalDateTime.parse("2020-02-29T23:59:59.000001")));

    // A REQUIRED column the file lacks: the job fails naming the file; nothing of it is loaded.
    org.apache.avro.Schema noId = SchemaBuilder.record("Row").fields().optionalString("path").endRecord();
    GenericRecord p = new GenericData.Record(noId);
    p.put("path", "/y");
    String bad = stageAvro("a/8-8.avro", noId, List.of(p));
    Job failed = done(load("missing_required", bad, FormatOptions.avro(), null));
    assertThat(failed.getStatus().getError().getReason()).isEqualTo("invalid");
    assertThat(failed.getStatus().getError().getLocation()).isEqualTo(bad);
    assertThat(failed.getStatus().getExecutionErrors()).anySatisfy(e -> assertThat(e.getMessage())
        .contains("Missing required field: id"));
    assertThat(bq.rows(DATASET, "access")).hasSize(1);
  }

  @Test
  void jsonLinesLoadAgainstTheTableAndAnUnknownKeyOrAMissingFileFailsTheJob() throws Exception {
    String lines = "{\"id\": 3, \"path\": \"/a\", \"ts\": \"2024-02-29 23:59:59.999999 UTC\", \"amount\": \"0.000000001\"}\n"
        + "{\"id\": 4, \"ts\": 1700000000.5, \"amount\": 12}\n";
    gcs.client().create(BlobInfo.newBuilder(BlobId.of("staging", "j/3-4.jsonl")).build(),
        lines.getBytes(StandardCharsets.UTF_8));
    Job ok = done(load("json_ok", "gs://staging/j/3-4.jsonl", FormatOptions.json(), null));
    assertThat(ok.getStatus().getError()).isNull();
    assertThat(bq.rows(DATASET, "access")).extracting(r -> r.get("ts")).containsExactlyInAnyOrder(
        Instant.parse("2024-02-29T23:59:59.999999Z"), Instant.parse("2023-11-14T22:13:20.500Z"));

    gcs.client().create(BlobInfo.newBuilder(BlobId.of("staging", "j/5.jsonl")).build(),
        "{\"id\": 5, \"referrer\": \"x\"}\n".getBytes(StandardCharsets.UTF_8));
    Job unknown = done(load("json_unknown", "gs://staging/j/5.jsonl", FormatOptions.json(), null));
    assertThat(unknown.getStatus().getExecutionErrors()).anySatisfy(e -> assertThat(e.getMessage())
        .contains("No such field: referrer"));

    Job missing = done(load("json_missing", "gs://staging/j/gone.jsonl", FormatOptions.json(), null));
    assertThat(missing.getStatus().getError().getReason()).isEqualTo("notFound");
    assertThat(missing.getStatus().getError().getMessage()).contains("gs://staging/j/gone.jsonl");
    assertThat(bq.rows(DATASET, "access")).hasSize(2);
    assertThat(LocalDate.parse("2024-02-29")).isNotNull();
  }

  @Test
  void aJobInsertWhoseReplyIsLostExistsAndItsRetryIsRefusedAsADuplicate() throws Exception {
    org.apache.avro.Schema schema = accessSchema(false);
    String uri = stageAvro("a/9-9.avro", schema, List.of(row(schema, 9, "/z", null, null)));
    bq.restFaults().applyThenFailNext(1, "POST", "/jobs", 503);
    // The client does not retry an insert with a caller's job id: the 503 reaches the caller, but the job exists.
    assertThatThrownBy(() -> load("lost_reply", uri, FormatOptions.avro(), null))
        .isInstanceOfSatisfying(BigQueryException.class, e -> assertThat(e.getCode()).isEqualTo(503));
    Job existing = load("lost_reply", uri, FormatOptions.avro(), null);
    assertThat(done(existing).getStatus().getError()).isNull();
    assertThat(bq.jobs()).hasSize(1);
    assertThat(bq.rows(DATASET, "access")).singleElement().satisfies(r -> assertThat(r).containsEntry("id", 9L));
  }
}
