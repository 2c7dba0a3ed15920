package io.cloudbridge.testkit.http;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Google's OAuth 2.0 token endpoint as a service-account key meets it: a key JSON ({@link #serviceAccountJson()},
 * with a fresh RSA key and {@code token_uri} pointing here) that google-auth-library signs JWT assertions with, and
 * {@code POST /token} answering each with {@link #accessToken()}. The assertion is not verified: this stand-in
 * exists so tests can configure real credentials and check that neither the key nor the token leaks.
 */
public final class OAuthTokenStandIn extends HttpStandIn {

  private final String accessToken = "ya29.test-" + UUID.randomUUID().toString().replace("-", "");
  private final String privateKeyId = UUID.randomUUID().toString().replace("-", "");
  private final String privateKeyPem;
  private final AtomicInteger tokensIssued = new AtomicInteger();

  private OAuthTokenStandIn() {
    super(0);
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      PrivateKey key = generator.generateKeyPair().getPrivate();
      privateKeyPem = "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    start();
  }

  public static OAuthTokenStandIn open() {
    return new OAuthTokenStandIn();
  }

  /** The access token every request gets. */
  public String accessToken() {
    return accessToken;
  }

  /** The PEM of the key's private key, as in the JSON. */
  public String privateKeyPem() {
    return privateKeyPem;
  }

  public String privateKeyId() {
    return privateKeyId;
  }

  /** How many tokens were handed out. */
  public int tokensIssued() {
    return tokensIssued.get();
  }

  /** A service-account key JSON whose token endpoint is this stand-in. */
  public String serviceAccountJson() {
    return "{\"type\":\"service_account\",\"project_id\":\"cloudbridge-local\",\"private_key_id\":\"" + privateKeyId
        + "\",\"private_key\":\"" + privateKeyPem.replace("\n", "\\n") + "\",\"client_email\":"
        + "\"cloudbridge-test@cloudbridge-local.iam.gserviceaccount.com\",\"client_id\":\"100000000000000000001\","
        + "\"token_uri\":\"" + url() + "/token\"}";
  }

  @Override
  protected HttpResponse handle(HttpRequest request) {
    if (!request.method().equals("POST") || !request.segments().equals(java.util.List.of("token"))) {
      return error(404, "not_found", "no such endpoint");
    }
    tokensIssued.incrementAndGet();
    return HttpResponse.json(200, "{\"access_token\":\"" + accessToken + "\",\"expires_in\":3600,"
        + "\"token_type\":\"Bearer\"}");
  }

  @Override
  protected HttpResponse error(int status, String reason, String message) {
    return HttpResponse.json(status, "{\"error\":\"" + reason + "\",\"error_description\":\"" + message + "\"}");
  }
}
