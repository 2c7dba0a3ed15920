package io.cloudbridge.gcs;

import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;

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
        .setRetrySettings(config.retrySettings());
    if (!config.gcp().projectId().isBlank()) {
      b.setProjectId(config.gcp().projectId());
    }
    if (config.endpoint() != null) {
      b.setHost(config.endpoint().toString().replaceAll("/+$", ""));
    }
    return b.build().getService();
  }
}
