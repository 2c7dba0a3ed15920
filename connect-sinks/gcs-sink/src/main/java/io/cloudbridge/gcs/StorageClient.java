package io.cloudbridge.gcs;

import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.time.Duration;

/** The google-cloud-storage client as the config asks: endpoint, project, credentials and retry budget. */
final class StorageClient {

  private StorageClient() {}

  static Storage create(GcsSinkConfig config) {
    return create(config, new RetryCounting());
  }

  /** A client whose retried errors {@code retries} counts. */
  static Storage create(GcsSinkConfig config, RetryCounting retries) {
    StorageOptions.Builder b = StorageOptions.http().setCredentials(config.gcp().credentials())
        .setStorageRetryStrategy(retries)
        .setRetrySettings(RetrySettings.newBuilder()
            .setMaxAttempts(config.retryAttempts())
            .setInitialRetryDelayDuration(Duration.ofMillis(config.retryInitialMillis()))
            .setMaxRetryDelayDuration(Duration.ofMillis(config.retryMaxMillis()))
            .setRetryDelayMultiplier(2.0)
            .setJittered(true)
            .setTotalTimeoutDuration(Duration.ofMillis(config.retryMaxMillis() * config.retryAttempts() + 60_000))
            .setInitialRpcTimeoutDuration(Duration.ofSeconds(60))
            .setMaxRpcTimeoutDuration(Duration.ofSeconds(60))
            .setRpcTimeoutMultiplier(1.0)
            .build());
    if (!config.gcp().projectId().isBlank()) {
      b.setProjectId(config.gcp().projectId());
    }
    if (config.endpoint() != null) {
      b.setHost(config.endpoint().toString().replaceAll("/+$", ""));
    }
    return b.build().getService();
  }
}
