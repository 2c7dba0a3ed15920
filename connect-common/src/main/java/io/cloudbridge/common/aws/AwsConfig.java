package io.cloudbridge.common.aws;

import io.cloudbridge.common.config.HttpUrl;
import io.cloudbridge.common.config.PlaintextEndpoints;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;

/**
 * How a connector reaches AWS: region, endpoint override (for SQS/S3-compatible servers and VPC endpoints),
 * and credentials (the SDK's default chain, a named profile, static keys, or an assumed role). A config
 * fragment that the SQS and S3 sources add to their own ConfigDef.
 */
public final class AwsConfig {

  public static final String GROUP = "AWS";

  public static final String REGION = "aws.region";
  private static final String REGION_DOC = "AWS region, e.g. eu-west-1. Empty: the SDK's region chain"
      + " (AWS_REGION, profile, instance metadata).";
  public static final String ENDPOINT = "aws.endpoint.override";
  private static final String ENDPOINT_DOC = "Endpoint to call instead of the AWS one, e.g. a VPC endpoint or an"
      + " SQS/S3-compatible server such as http://localhost:9324.";
  public static final String CREDENTIALS = "aws.credentials.provider";
  private static final String CREDENTIALS_DOC = "Where credentials come from: 'default' (environment, profile,"
      + " web identity / IRSA, EKS Pod Identity, container and instance credentials), 'profile' (aws.profile.name),"
      + " 'static' (aws.access.key.id and aws.secret.access.key), or 'assume-role' (aws.role.arn, starting from"
      + " static keys when given, else from the default chain).";
  public static final String PROFILE = "aws.profile.name";
  private static final String PROFILE_DOC = "Profile of the shared config/credentials files, with aws.credentials.provider=profile.";
  public static final String ACCESS_KEY = "aws.access.key.id";
  private static final String ACCESS_KEY_DOC = "Access key id, with aws.credentials.provider=static (or as the base of assume-role).";
  public static final String SECRET_KEY = "aws.secret.access.key";
  private static final String SECRET_KEY_DOC = "Secret access key that goes with aws.access.key.id.";
  public static final String SESSION_TOKEN = "aws.session.token";
  private static final String SESSION_TOKEN_DOC = "Session token, for temporary static credentials.";
  public static final String ROLE_ARN = "aws.role.arn";
  private static final String ROLE_ARN_DOC = "Role to assume, with aws.credentials.provider=assume-role, e.g."
      + " arn:aws:iam::123456789012:role/events-reader.";
  public static final String ROLE_EXTERNAL_ID = "aws.role.external.id";
  private static final String ROLE_EXTERNAL_ID_DOC = "External id the role's trust policy requires, if any.";
  public static final String ROLE_SESSION_NAME = "aws.role.session.name";
  private static final String ROLE_SESSION_NAME_DOC = "Session name of the assumed role, shown in CloudTrail.";
  public static final String STS_ENDPOINT = "aws.role.sts.endpoint";
  private static final String STS_ENDPOINT_DOC = "STS endpoint for assume-role, e.g. a VPC endpoint. Empty: the regional STS endpoint.";

  /** The ways to obtain credentials, as written in {@link #CREDENTIALS}. */
  public enum CredentialsSource {
    DEFAULT, PROFILE, STATIC, ASSUME_ROLE;

    public String configValue() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static CredentialsSource of(String value) {
      return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  private static final Pattern REGION_FORMAT = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d");
  private static final Pattern ROLE_ARN_FORMAT = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+");
  private static final Pattern SESSION_NAME_FORMAT = Pattern.compile("[\\w+=,.@-]{2,64}");

  private final AbstractConfig config;

  public AwsConfig(AbstractConfig config) {
    this.config = config;
  }

  /** Adds the AWS keys to a connector's ConfigDef. */
  public static ConfigDef addTo(ConfigDef def) {
    int order = 0;
    def
        .define(REGION, Type.STRING, "", new Matching(REGION_FORMAT, "an AWS region such as eu-west-1"),
            Importance.HIGH, REGION_DOC, GROUP, ++order, Width.SHORT, "Region")
        .define(ENDPOINT, Type.STRING, "", new HttpUrl(), Importance.LOW, ENDPOINT_DOC, GROUP, ++order, Width.LONG,
            "Endpoint override")
        .define(CREDENTIALS, Type.STRING, CredentialsSource.DEFAULT.configValue(),
            ConfigDef.ValidString.in(values()), Importance.HIGH, CREDENTIALS_DOC, GROUP, ++order, Width.SHORT,
            "Credentials", List.of(PROFILE, ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, ROLE_ARN, ROLE_EXTERNAL_ID,
                ROLE_SESSION_NAME, STS_ENDPOINT), new CredentialsRecommender())
        .define(PROFILE, Type.STRING, "", Importance.MEDIUM, PROFILE_DOC, GROUP, ++order, Width.SHORT, "Profile",
            new CredentialsRecommender())
        .define(ACCESS_KEY, Type.PASSWORD, "", Importance.MEDIUM, ACCESS_KEY_DOC, GROUP, ++order, Width.MEDIUM,
            "Access key id", new CredentialsRecommender())
        .define(SECRET_KEY, Type.PASSWORD, "", Importance.MEDIUM, SECRET_KEY_DOC, GROUP, ++order, Width.MEDIUM,
            "Secret access key", new CredentialsRecommender())
        .define(SESSION_TOKEN, Type.PASSWORD, "", Importance.LOW, SESSION_TOKEN_DOC, GROUP, ++order, Width.LONG,
            "Session token", new CredentialsRecommender())
        .define(ROLE_ARN, Type.STRING, "", new Matching(ROLE_ARN_FORMAT, "an IAM role ARN"), Importance.MEDIUM,
            ROLE_ARN_DOC, GROUP, ++order, Width.LONG, "Role ARN", new CredentialsRecommender())
        .define(ROLE_EXTERNAL_ID, Type.PASSWORD, "", Importance.LOW, ROLE_EXTERNAL_ID_DOC, GROUP, ++order,
            Width.MEDIUM, "External id", new CredentialsRecommender())
        .define(ROLE_SESSION_NAME, Type.STRING, "cloudbridge", new Matching(SESSION_NAME_FORMAT,
                "2 to 64 of letters, digits and +=,.@_-"), Importance.LOW, ROLE_SESSION_NAME_DOC, GROUP, ++order,
            Width.MEDIUM, "Role session name", new CredentialsRecommender())
        .define(STS_ENDPOINT, Type.STRING, "", new HttpUrl(), Importance.LOW, STS_ENDPOINT_DOC, GROUP, ++order,
            Width.LONG, "STS endpoint", new CredentialsRecommender());
    return PlaintextEndpoints.define(def, GROUP, ++order);
  }

  private static String[] values() {
    CredentialsSource[] all = CredentialsSource.values();
    String[] out = new String[all.length];
    for (int i = 0; i < all.length; i++) {
      out[i] = all[i].configValue();
    }
    return out;
  }

  /**
   * Cross-key checks for {@code Connector.validate()}: each credentials source has the keys it needs.
   * Errors are attached to the key a user must fix.
   */
  public static void validate(Map<String, ConfigValue> values) {
    ConfigValue source = values.get(CREDENTIALS);
    if (source == null || source.value() == null || !source.errorMessages().isEmpty()) {
      return;
    }
    switch (CredentialsSource.of((String) source.value())) {
      case PROFILE -> require(values, PROFILE, "aws.credentials.provider=profile needs a profile name");
      case STATIC -> {
        require(values, ACCESS_KEY, "aws.credentials.provider=static needs an access key id");
        require(values, SECRET_KEY, "aws.credentials.provider=static needs a secret access key");
      }
      case ASSUME_ROLE -> require(values, ROLE_ARN, "aws.credentials.provider=assume-role needs a role ARN");
      case DEFAULT -> { }
    }
    if (isSet(values.get(ACCESS_KEY)) != isSet(values.get(SECRET_KEY))) {
      ConfigValue missing = isSet(values.get(ACCESS_KEY)) ? values.get(SECRET_KEY) : values.get(ACCESS_KEY);
      missing.addErrorMessage("aws.access.key.id and aws.secret.access.key go together");
    }
  }

  /** The same checks for a task's start, where there is no ConfigValue map: throws ConfigException. */
  public void validate() {
    PlaintextEndpoints.require(config, ENDPOINT, STS_ENDPOINT);
    switch (credentialsSource()) {
      case PROFILE -> requireSet(PROFILE, profileName());
      case STATIC -> {
        requireSet(ACCESS_KEY, accessKeyId());
        requireSet(SECRET_KEY, secretAccessKey());
      }
      case ASSUME_ROLE -> requireSet(ROLE_ARN, roleArn());
      case DEFAULT -> { }
    }
  }

  private void requireSet(String key, String value) {
    if (value.isEmpty()) {
      throw new ConfigException(key, "", "required with " + CREDENTIALS + "=" + credentialsSource().configValue());
    }
  }

  private static void require(Map<String, ConfigValue> values, String key, String message) {
    ConfigValue v = values.get(key);
    if (v != null && !isSet(v)) {
      v.addErrorMessage(message);
    }
  }

  private static boolean isSet(ConfigValue v) {
    if (v == null || v.value() == null) {
      return false;
    }
    Object value = v.value() instanceof Password p ? p.value() : v.value();
    return !String.valueOf(value).isEmpty();
  }

  public String region() {
    return config.getString(REGION);
  }

  public URI endpointOverride() {
    String s = config.getString(ENDPOINT);
    return s.isEmpty() ? null : URI.create(s);
  }

  public CredentialsSource credentialsSource() {
    return CredentialsSource.of(config.getString(CREDENTIALS));
  }

  public String profileName() {
    return config.getString(PROFILE);
  }

  public String accessKeyId() {
    return config.getPassword(ACCESS_KEY).value();
  }

  public String secretAccessKey() {
    return config.getPassword(SECRET_KEY).value();
  }

  public String sessionToken() {
    return config.getPassword(SESSION_TOKEN).value();
  }

  public String roleArn() {
    return config.getString(ROLE_ARN);
  }

  public String roleExternalId() {
    return config.getPassword(ROLE_EXTERNAL_ID).value();
  }

  public String roleSessionName() {
    return config.getString(ROLE_SESSION_NAME);
  }

  public URI stsEndpoint() {
    String s = config.getString(STS_ENDPOINT);
    return s.isEmpty() ? null : URI.create(s);
  }

  /** Empty or matching a pattern; says what it expects. */
  static final class Matching implements ConfigDef.Validator {
    private final Pattern pattern;
    private final String expected;

    Matching(Pattern pattern, String expected) {
      this.pattern = pattern;
      this.expected = expected;
    }

    @Override
    public void ensureValid(String name, Object value) {
      String s = value == null ? "" : value.toString().trim();
      if (!s.isEmpty() && !pattern.matcher(s).matches()) {
        throw new ConfigException(name, value, "expected " + expected);
      }
    }

    @Override
    public String toString() {
      return "empty, or " + expected;
    }
  }

  /** Shows only the credential keys that the chosen source uses. */
  static final class CredentialsRecommender implements ConfigDef.Recommender {
    @Override
    public List<Object> validValues(String name, Map<String, Object> parsed) {
      if (name.equals(CREDENTIALS)) {
        return List.of((Object[]) values());
      }
      return List.of();
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsed) {
      Object source = parsed.get(CREDENTIALS);
      if (name.equals(CREDENTIALS) || source == null) {
        return true;
      }
      return switch (CredentialsSource.of(source.toString())) {
        case DEFAULT -> false;
        case PROFILE -> name.equals(PROFILE);
        case STATIC -> name.equals(ACCESS_KEY) || name.equals(SECRET_KEY) || name.equals(SESSION_TOKEN);
        case ASSUME_ROLE -> !name.equals(PROFILE);
      };
    }

    @Override
    public String toString() {
      return "the credentials providers, and the keys each one uses";
    }
  }
}
