package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatus;
import com.google.cloud.bigquery.LoadJobConfiguration;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * BigQuery load jobs whose ids are derived from what they load, so a load retried or replayed is one job.
 *
 * <p>Facts relied on (BigQuery REST reference, "Job" and "JobReference"; "Running jobs programmatically"; "Managing
 * jobs"): a job id is letters, digits, underscores and dashes, at most 1,024 characters, unique in the project;
 * inserting an id that exists is refused (409 {@code duplicate}, "Already Exists: Job …") — the Java client
 * (2.57.1, {@code BigQueryImpl.create}) then fetches the existing job and returns it when it was created in the
 * last 24 hours, and throws the 409 otherwise; here both lead to that job. Jobs are kept, and their ids refused, for
 * six months (jobs.list and jobs.get cover "the past six months"; jobs.delete removes one early). A load job is
 * atomic: one that ends with {@code status.errorResult} loaded nothing. The client does not retry an insert whose
 * id the caller chose (a lost reply surfaces as the error; the job may exist): the sink inserts again with the same
 * id and gets that job.
 *
 * <p>The id holds the connector, table, topic, partition, first offset and attempt, plus a hash of the exact names
 * (the readable parts are cleaned to the id's alphabet). The last offset is not part of it but a label of the job
 * ({@value #LAST_LABEL}), with the first ({@value #FIRST_LABEL}): after a crash the same first offset is staged again
 * but the file may end elsewhere (rotation by time or bytes differs), and the existing job's labels tell which
 * records it loaded. An attempt that failed (nothing loaded) is followed by the next attempt number.
 */
final class LoadJobs {

  static final String FIRST_LABEL = "cloudbridge-first-offset";
  static final String LAST_LABEL = "cloudbridge-last-offset";
  static final String PARTITION_LABEL = "cloudbridge-partition";

  /** A job as BigQuery reports it: done or not, failed or not, and the offsets it holds. */
  record Outcome(String jobId, boolean done, String error, List<String> errors, long first, long last,
      List<String> uris) {
    boolean failed() {
      return done && error != null;
    }

    boolean loaded() {
      return done && error == null;
    }
  }

  private final BigQuery rest;
  private volatile String location;

  LoadJobs(BigQuery rest) {
    this.rest = rest;
  }

  /** The id of the load of {@code tp}'s records from {@code first} into {@code table}, attempt {@code attempt}. */
  static String jobId(String connector, TableId table, TopicPartition tp, long first, int attempt) {
    String readable = "cloudbridge_" + clean(connector) + "_" + clean(table.getTable()) + "_" + clean(tp.topic())
        + "_p" + tp.partition() + "_o" + first + "_a" + attempt;
    String exact = connector + "\u0000" + table.getProject() + "." + table.getDataset() + "." + table.getTable()
        + "\u0000" + tp.topic();
    return readable + "_" + hash(exact);
  }

  private static String clean(String s) {
    String c = s.replaceAll("[^A-Za-z0-9_-]", "_");
    return c.length() > 200 ? c.substring(0, 200) : c;
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The dataset's location, where its jobs run (jobs.get needs it outside the US and EU multi-regions). */
  private JobId jobRef(String jobId, TableId table) {
    if (location == null) {
      com.google.cloud.bigquery.Dataset d = rest.getDataset(table.getDataset());
      location = d == null ? null : d.getLocation();
    }
    JobId.Builder b = JobId.newBuilder().setJob(jobId);
    if (location != null) {
      b.setLocation(location);
    }
    return b.build();
  }

  /**
   * Inserts the load of {@code uris} (records {@code first}..{@code last} of {@code tp}) as job {@code jobId}; if a
   * job of that id exists, that job is the answer. Failures other than the id's refusal are thrown
   * (BigQueryException).
   */
  Outcome insert(String jobId, TableId table, TopicPartition tp, List<String> uris, long first, long last,
      StagedFormat.Kind kind, TableSchema schema) {
    FormatOptions format = switch (kind) {
      case AVRO -> FormatOptions.avro();
      case PARQUET -> FormatOptions.parquet();
      case JSONL -> FormatOptions.json();
    };
    LoadJobConfiguration.Builder load = LoadJobConfiguration.newBuilder(table, uris, format)
        .setWriteDisposition(JobInfo.WriteDisposition.WRITE_APPEND)
        .setCreateDisposition(JobInfo.CreateDisposition.CREATE_NEVER)
        .setSchemaUpdateOptions(List.of(JobInfo.SchemaUpdateOption.ALLOW_FIELD_ADDITION,
            JobInfo.SchemaUpdateOption.ALLOW_FIELD_RELAXATION))
        .setUseAvroLogicalTypes(true)
        .setLabels(Map.of(PARTITION_LABEL, Integer.toString(tp.partition()), FIRST_LABEL, Long.toString(first),
            LAST_LABEL, Long.toString(last)));
    if (kind == StagedFormat.Kind.JSONL) {
      load.setSchema(Tables.schema(schema));
    }
    JobId ref = jobRef(jobId, table);
    try {
      return outcome(rest.create(JobInfo.of(ref, load.build())));
    } catch (BigQueryException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return get(jobId, table);
    }
  }

  /** The job of that id, or null if BigQuery has none. */
  Outcome get(String jobId, TableId table) {
    Job job = rest.getJob(jobRef(jobId, table));
    return job == null ? null : outcome(job);
  }

  private static Outcome outcome(Job job) {
    JobStatus status = job.getStatus();
    boolean done = status != null && status.getState() == JobStatus.State.DONE;
    String error = null;
    List<String> errors = new ArrayList<>();
    if (done && status.getError() != null) {
      error = describe(status.getError());
      if (status.getExecutionErrors() != null) {
        status.getExecutionErrors().forEach(e -> errors.add(describe(e)));
      }
    }
    LoadJobConfiguration config = job.getConfiguration();
    Map<String, String> labels = config.getLabels() == null ? Map.of() : config.getLabels();
    return new Outcome(job.getJobId().getJob(), done, error, errors, parse(labels.get(FIRST_LABEL)),
        parse(labels.get(LAST_LABEL)), config.getSourceUris() == null ? List.of() : config.getSourceUris());
  }

  private static long parse(String label) {
    try {
      return label == null ? -1 : Long.parseLong(label);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String describe(BigQueryError e) {
    return e.getReason() + ": " + e.getMessage() + (e.getLocation() == null ? "" : " (" + e.getLocation() + ")");
  }
}
