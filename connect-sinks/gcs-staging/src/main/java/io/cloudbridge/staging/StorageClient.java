package io.cloudbridge.staging;

import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.cloudbridge.common.gcp.GcpConfig;
import java.net.URI;

/** The google-cloud-storage client as a connector's config asks: endpoint, project, credentials and retry budget. */
public final class StorageClient {

  private StorageClient() {}

  /**
   * A client whose retried errors {@code retries} counts; {@code endpoint} null for Google's
   * (https://storage.googleapis.com).
   */
  public static Storage create(GcpConfig gcp, URI endpoint, RetrySettings retry, RetryCounting retries) {
    StorageOptions.Builder b = StorageOptions.http().setCredentials(gcp.credentials())
        .setStorageRetryStrategy(retries)
        .setRetrySettings(retry);
    if (!gcp.projectId().isBlank()) {
      b.setProjectId(gcp.projectId());
    }
    if (endpoint != null) {
      b.setHost(endpoint.toString().replaceAll("/+$", ""));
    }
    return b.build().getService();
  }
}
