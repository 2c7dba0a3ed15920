package io.cloudbridge.gcs;

import io.cloudbridge.staging.RetryCounting;
import io.cloudbridge.staging.StorageClient;
import com.google.cloud.storage.Bucket;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.cloudbridge.common.gcp.GcpSinkConnector;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;

/**
 * Kafka records into GCS objects, every offset in exactly one object once: object names come from the offset of
 * their first record, a partition's open objects are finalized together after a marker records where they end,
 * and offsets are committed only up to finalized objects (see {@link PartitionWriter}).
 */
public class GcsSinkConnector extends GcpSinkConnector {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GcsSinkConnector.class);

  @Override
  protected AbstractConfig parse(Map<String, String> props) {
    return new GcsSinkConfig(props);
  }

  @Override
  protected String resourceProblem(AbstractConfig config) {
    return bucketProblem((GcsSinkConfig) config);
  }

  @Override
  protected String resourceSetting() {
    return GcsSinkConfig.BUCKET;
  }

  @Override
  public void start(Map<String, String> props) {
    super.start(props);
    GcsSinkConfig config = new GcsSinkConfig(props);
    if (config.rotateScheduleMillis() < 0 && config.rotateIntervalMillis() < 0) {
      log.warn("{} and {} are both -1: a partition's last records stay in an open object until {} records or {}"
          + " bytes end it, which may be never (their offsets are not committed meanwhile). Set {} (default {} ms)"
          + " so that every record is written within a bounded time.", GcsSinkConfig.ROTATE_SCHEDULE,
          GcsSinkConfig.ROTATE_INTERVAL, config.flushSize(), GcsSinkConfig.MAX_BYTES, GcsSinkConfig.ROTATE_SCHEDULE,
          GcsSinkConfig.DEFAULT_ROTATE_SCHEDULE_MS);
    }
  }

  @Override
  public Class<? extends Task> taskClass() {
    return GcsSinkTask.class;
  }

  @Override
  public ConfigDef config() {
    return GcsSinkConfig.CONFIG_DEF;
  }

  /** Why the bucket cannot be written, or null. */
  static String bucketProblem(GcsSinkConfig config) {
    Storage storage = StorageClient.create(config.gcp(), config.endpoint(), config.retrySettings(), new RetryCounting());
    try {
      Bucket bucket = storage.get(config.bucket());
      if (bucket == null) {
        return "bucket gs://" + config.bucket() + " does not exist (or the credentials cannot see it)";
      }
      return null;
    } catch (StorageException e) {
      String problem = "bucket gs://" + config.bucket() + " cannot be read: " + e.getCode() + " " + e.getMessage();
      if (io.cloudbridge.common.gcp.GcpRetry.outageStatus(e.getCode())) {
        throw new Unreachable(problem, e);
      }
      return problem;
    } finally {
      try {
        storage.close();
      } catch (Exception ignored) {
        // nothing held that matters
      }
    }
  }
}
