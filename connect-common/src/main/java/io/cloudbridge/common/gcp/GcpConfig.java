package io.cloudbridge.common.gcp;

import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.PlaintextEndpoints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;

/**
 * How a sink reaches Google Cloud: the project, and credentials from Application Default Credentials (which
 * covers GKE workload identity and the metadata server), a key or credential-configuration file, the same JSON
 * inline, or none (for emulators and stand-ins). A credential configuration of type {@code external_account}
 * is workload identity federation: a Connect cluster on AWS presents its AWS role to Google and gets
 * short-lived tokens, with no long-lived key. A config fragment that the GCS and BigQuery sinks share.
 */
public final class GcpConfig {

  public static final String GROUP = "Google Cloud";

  public static final String PROJECT = "gcp.project.id";
  public static final String CREDENTIALS = "gcp.credentials.source";
  public static final String CREDENTIALS_JSON = "gcp.credentials.json";
  public static final String CREDENTIALS_FILE = "gcp.credentials.file";

  private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  /** Where credentials come from, as written in {@link #CREDENTIALS}. */
  public enum CredentialsSource { DEFAULT, JSON, FILE, NONE }

  private final AbstractConfig config;

  public GcpConfig(AbstractConfig config) {
    this.config = config;
  }

  /** Adds the Google Cloud keys to a connector's ConfigDef. */
  public static ConfigDef addTo(ConfigDef def) {
    int order = 0;
    def
        .define(PROJECT, Type.STRING, "", Importance.MEDIUM, "Google Cloud project. Empty: the credentials' project"
            + " (or GOOGLE_CLOUD_PROJECT).", GROUP, ++order, Width.MEDIUM, "Project")
        .define(CREDENTIALS, Type.STRING, "default", EnumChoice.of(CredentialsSource.values()), Importance.HIGH,
            "default: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, GKE workload"
                + " identity, the metadata server); json: the key or credential configuration in "
                + CREDENTIALS_JSON + "; file: the same in a file on each worker (" + CREDENTIALS_FILE + "); none:"
                + " unauthenticated, for emulators. A credential configuration of type external_account (workload"
                + " identity federation, e.g. from AWS) works with json, file and default.",
            GROUP, ++order, Width.SHORT, "Credentials", List.of(CREDENTIALS_JSON, CREDENTIALS_FILE),
            new SourceRecommender())
        .define(CREDENTIALS_JSON, Type.PASSWORD, "", Importance.MEDIUM, "Service-account key or credential"
                + " configuration JSON, with " + CREDENTIALS + "=json. Prefer a config provider to pasting a key.",
            GROUP, ++order, Width.LONG, "Credentials JSON", new SourceRecommender())
        .define(CREDENTIALS_FILE, Type.STRING, "", Importance.MEDIUM, "Path of a service-account key or credential"
            + " configuration file on every worker, with " + CREDENTIALS + "=file.", GROUP, ++order, Width.LONG,
            "Credentials file", new SourceRecommender());
    return PlaintextEndpoints.define(def, GROUP, ++order);
  }

  /** Cross-key checks for {@code Connector.validate()}, attached to the key a user must fix. */
  public static void validate(Map<String, ConfigValue> values) {
    ConfigValue source = values.get(CREDENTIALS);
    if (source == null || source.value() == null || !source.errorMessages().isEmpty()) {
      return;
    }
    switch (EnumChoice.parse(CredentialsSource.class, (String) source.value())) {
      case JSON -> requireSet(values.get(CREDENTIALS_JSON), CREDENTIALS + "=json needs the JSON");
      case FILE -> requireSet(values.get(CREDENTIALS_FILE), CREDENTIALS + "=file needs a path");
      default -> { }
    }
  }

  private static void requireSet(ConfigValue v, String message) {
    Object value = v == null ? null : v.value() instanceof Password p ? p.value() : v.value();
    if (v != null && (value == null || value.toString().isBlank())) {
      v.addErrorMessage(message);
    }
  }

  public String projectId() {
    return config.getString(PROJECT);
  }

  public CredentialsSource credentialsSource() {
    return EnumChoice.parse(CredentialsSource.class, config.getString(CREDENTIALS));
  }

  /**
   * The credentials, scoped for Google Cloud APIs. Errors name the setting, never its content: a key must not end
   * up in a log.
   */
  public Credentials credentials() {
    try {
      return switch (credentialsSource()) {
        case NONE -> NoCredentials.getInstance();
        case DEFAULT -> scoped(GoogleCredentials.getApplicationDefault());
        case JSON -> {
          String json = config.getPassword(CREDENTIALS_JSON).value();
          if (json.isBlank()) {
            throw new ConfigException(CREDENTIALS_JSON, "[hidden]", "required with " + CREDENTIALS + "=json");
          }
          yield scoped(read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), CREDENTIALS_JSON));
        }
        case FILE -> {
          String file = config.getString(CREDENTIALS_FILE);
          if (file.isBlank()) {
            throw new ConfigException(CREDENTIALS_FILE, file, "required with " + CREDENTIALS + "=file");
          }
          try (InputStream in = Files.newInputStream(Path.of(file))) {
            yield scoped(read(in, CREDENTIALS_FILE));
          }
        }
      };
    } catch (IOException e) {
      throw new ConfigException("Google credentials (" + CREDENTIALS + "=" + config.getString(CREDENTIALS)
          + ") could not be loaded: " + e.getMessage());
    }
  }

  private static GoogleCredentials read(InputStream in, String key) {
    try {
      return GoogleCredentials.fromStream(in);
    } catch (IOException | RuntimeException e) {
      // The message of a JSON parse error can quote the content; say what is wrong without it.
      throw new ConfigException(key, "[hidden]", "not a Google credentials JSON (service_account, authorized_user,"
          + " external_account or impersonated_service_account): " + e.getClass().getSimpleName());
    }
  }

  private static GoogleCredentials scoped(GoogleCredentials c) {
    return c.createScopedRequired() ? c.createScoped(SCOPE) : c;
  }

  /** Shows the JSON and file keys only with the source that uses them. */
  static final class SourceRecommender implements ConfigDef.Recommender {
    @Override
    public List<Object> validValues(String name, Map<String, Object> parsed) {
      return List.of();
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsed) {
      Object source = parsed.get(CREDENTIALS);
      return source == null || name.equals(CREDENTIALS)
          || (name.equals(CREDENTIALS_JSON) && "json".equalsIgnoreCase(source.toString()))
          || (name.equals(CREDENTIALS_FILE) && "file".equalsIgnoreCase(source.toString()));
    }

    @Override
    public String toString() {
      return "shown for the chosen credentials source";
    }
  }
}
