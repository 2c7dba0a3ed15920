package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * BigQuery's jobs.insert and jobs.get for load jobs, as Google documents them (REST reference "Job",
 * "JobConfigurationLoad", "JobStatus"; "Loading data from Cloud Storage"; "Running jobs programmatically"):
 * <ul>
 *   <li>A job id is letters, digits, underscores and dashes, at most 1,024 characters; otherwise 400 invalid.
 *   Job ids are unique in a project: inserting an id that exists is refused with 409, reason {@code duplicate},
 *   "Already Exists: Job {project}:{location}.{jobId}" (message as observed in client tests; "Running jobs
 *   programmatically" says to check the existing job's status on such a conflict). Job metadata (so this refusal)
 *   is kept six months (jobs.list/jobs.get: "jobs ... in the past six months"; jobs.delete can remove it early).</li>
 *   <li>A job is PENDING, then RUNNING, then DONE; a DONE job failed if {@code status.errorResult} is set, its
 *   errors (all, for bad data: reason {@code invalid}, {@code location} the file) in {@code status.errors}. A load is
 *   atomic: a failed job loads no row.</li>
 *   <li>Load configuration: {@code sourceUris} (gs://, at most 10,000), {@code sourceFormat} (CSV when absent —
 *   not run by this stand-in — AVRO, PARQUET, NEWLINE_DELIMITED_JSON), {@code destinationTable},
 *   {@code writeDisposition} (WRITE_APPEND by default for loads, WRITE_TRUNCATE, WRITE_EMPTY),
 *   {@code createDisposition} (CREATE_IF_NEEDED by default: needs a schema), {@code schemaUpdateOptions}
 *   (ALLOW_FIELD_ADDITION, ALLOW_FIELD_RELAXATION; without them a file with a column the table lacks, or a NULLABLE
 *   column for a REQUIRED one, fails the job "Provided Schema does not match Table …"), {@code useAvroLogicalTypes},
 *   {@code ignoreUnknownValues}, {@code schema}, {@code labels} (keys and values: lowercase letters, digits,
 *   underscores, dashes, at most 63 characters, keys starting with a letter; at most 64).</li>
 *   <li>Files are read when the job runs: a staged object deleted before is "Not found: URI gs://…".</li>
 * </ul>
 */
final class Jobs implements AutoCloseable {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Reads a GCS object: its bytes, or null if it does not exist. */
  interface Objects {
    byte[] read(String bucket, String name);
  }

  private final TableStore store;
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bigquery-standin-jobs");
    t.setDaemon(true);
    return t;
  });
  private volatile Objects gcs;
  private volatile long pendingMillis = 50;
  private volatile long runningMillis = 150;

  Jobs(TableStore store) {
    this.store = store;
  }

  void readFrom(Objects gcs) {
    this.gcs = gcs;
  }

  void durations(long pending, long running) {
    this.pendingMillis = pending;
    this.runningMillis = running;
  }

  private static final class Job {
    final ObjectNode resource;
    final String project;
    final String location;

    Job(ObjectNode resource, String project, String location) {
      this.resource = resource;
      this.project = project;
      this.location = location;
    }
  }

  synchronized ObjectNode insert(String project, ObjectNode body) {
    ObjectNode ref = body.with("jobReference");
    String jobId = ref.path("jobId").asText("");
    if (jobId.isEmpty()) {
      jobId = "job_" + UUID.randomUUID().toString().replace("-", "_");
    } else if (!jobId.matches("[A-Za-z0-9_-]{1,1024}")) {
      throw BigQueryError.invalid("Invalid job ID \"" + jobId + "\". Job IDs must be alphanumeric (plus underscores"
          + " and dashes) and must be at most 1024 characters long.");
    }
    JsonNode load = body.path("configuration").path("load");
    if (load.isMissingNode()) {
      throw BigQueryError.invalid("The BigQuery stand-in runs load jobs only");
    }
    JsonNode dest = load.path("destinationTable");
    String dataset = dest.path("datasetId").asText("");
    if (dataset.isEmpty() || dest.path("tableId").asText("").isEmpty()) {
      throw BigQueryError.invalid("Required parameter is missing: configuration.load.destinationTable");
    }
    String datasetLocation = store.dataset(project, dataset).path("location").asText("US");
    String location = ref.path("location").asText(datasetLocation);
    if (!location.equalsIgnoreCase(datasetLocation)) {
      throw BigQueryError.notFound("Not found: Dataset " + project + ":" + dataset + " was not found in location "
          + location);
    }
    Job existing = jobs.get(project + "/" + jobId);
    if (existing != null) {
      throw BigQueryError.duplicate("Already Exists: Job " + project + ":" + existing.location + "." + jobId);
    }
    checkLabels(body.path("configuration").path("labels"));
    JsonNode uris = load.path("sourceUris");
    if (!uris.isArray() || uris.isEmpty() || uris.size() > 10_000) {
      throw BigQueryError.invalid("configuration.load.sourceUris: between 1 and 10,000 URIs are required");
    }
    for (JsonNode u : uris) {
      if (!u.asText().startsWith("gs://") || u.asText().indexOf('/', 5) < 0) {
        throw BigQueryError.invalid("Invalid source URI: " + u.asText());
      }
    }
    String format = load.path("sourceFormat").asText("CSV");
    if (!List.of("AVRO", "PARQUET", "NEWLINE_DELIMITED_JSON").contains(format)) {
      throw BigQueryError.invalid("Source format " + format + " is not run by the BigQuery stand-in");
    }
    ObjectNode resource = NODES.objectNode();
    resource.put("kind", "bigquery#job");
    resource.put("id", project + ":" + location + "." + jobId);
    resource.put("selfLink", "/bigquery/v2/projects/" + project + "/jobs/" + jobId + "?location=" + location);
    resource.put("user_email", "connector@" + project + ".iam.gserviceaccount.com");
    ObjectNode reference = resource.putObject("jobReference");
    reference.put("projectId", project).put("jobId", jobId).put("location", location);
    ObjectNode configuration = body.path("configuration").deepCopy();
    configuration.put("jobType", "LOAD");
    resource.set("configuration", configuration);
    resource.putObject("status").put("state", "PENDING");
    resource.putObject("statistics").put("creationTime", Long.toString(store.now()));
    Job job = new Job(resource, project, location);
    jobs.put(project + "/" + jobId, job);
    runner.schedule(() -> start(job), pendingMillis, TimeUnit.MILLISECONDS);
    return resource.deepCopy();
  }

  synchronized ObjectNode get(String project, String jobId, String location) {
    Job job = jobs.get(project + "/" + jobId);
    if (job == null || location != null && !location.equalsIgnoreCase(job.location)) {
      throw BigQueryError.notFound("Not found: Job " + project + ":" + (location == null ? "US" : location) + "."
          + jobId);
    }
    return job.resource.deepCopy();
  }

  /** jobs.delete: the job's metadata goes (a job still running cannot be deleted: 400). */
  synchronized void delete(String project, String jobId) {
    Job job = jobs.get(project + "/" + jobId);
    if (job == null) {
      throw BigQueryError.notFound("Not found: Job " + project + ":" + jobId);
    }
    if (!"DONE".equals(job.resource.path("status").path("state").asText())) {
      throw BigQueryError.invalid("Job " + project + ":" + job.location + "." + jobId + " is not done yet");
    }
    jobs.remove(project + "/" + jobId);
  }

  /** Ids of the jobs inserted so far, oldest first; for assertions. */
  synchronized List<ObjectNode> all() {
    List<ObjectNode> out = new ArrayList<>();
    jobs.values().forEach(j -> out.add(j.resource.deepCopy()));
    return out;
  }

  private static void checkLabels(JsonNode labels) {
    if (labels.size() > 64) {
      throw BigQueryError.invalid("Too many labels: at most 64");
    }
    for (var it = labels.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getKey().matches("[a-z][a-z0-9_-]{0,62}")) {
        throw BigQueryError.invalid("Invalid label key: " + e.getKey() + ". Keys must start with a lowercase letter"
            + " and hold at most 63 lowercase letters, digits, underscores and dashes");
      }
      if (!e.getValue().asText().matches("[a-z0-9_-]{0,63}")) {
        throw BigQueryError.invalid("Invalid label value: " + e.getValue().asText() + " (key " + e.getKey() + ")");
      }
    }
  }

  private void start(Job job) {
    synchronized (this) {
      job.resource.with("status").put("state", "RUNNING");
      job.resource.with("statistics").put("startTime", Long.toString(store.now()));
    }
    runner.schedule(() -> finish(job), runningMillis, TimeUnit.MILLISECONDS);
  }

  private void finish(Job job) {
    ObjectNode status = NODES.objectNode();
    ObjectNode stats = NODES.objectNode();
    try {
      LoadRun run = new LoadRun(store, gcs, job.project, job.resource.path("configuration").path("load"));
      run.execute();
      stats.put("inputFiles", Integer.toString(run.files()));
      stats.put("inputFileBytes", Long.toString(run.bytes()));
      stats.put("outputRows", Long.toString(run.rows()));
      stats.put("outputBytes", Long.toString(run.bytes()));
      stats.put("badRecords", "0");
    } catch (LoadRun.Failed f) {
      status.set("errorResult", f.errorResult());
      ArrayNode errors = status.putArray("errors");
      errors.add(f.errorResult());
      f.details().forEach(errors::add);
    } catch (RuntimeException e) {
      ObjectNode error = NODES.objectNode().put("reason", "backendError").put("message", String.valueOf(e));
      status.set("errorResult", error);
      status.putArray("errors").add(error);
    }
    synchronized (this) {
      status.put("state", "DONE");
      job.resource.set("status", status);
      ObjectNode s = job.resource.with("statistics");
      s.put("endTime", Long.toString(store.now()));
      s.set("load", stats);
    }
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
