package io.cloudbridge.testkit.aws;

import io.cloudbridge.testkit.http.HttpRequest;
import io.cloudbridge.testkit.http.HttpResponse;
import io.cloudbridge.testkit.http.HttpStandIn;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An STS stand-in for assume-role: answers the query-protocol {@code AssumeRole} action with the
 * credentials it was given (e.g. those another stand-in accepts), and records each request so tests can
 * check the role ARN, session name and external id a connector sent.
 */
public final class StsStandIn extends HttpStandIn {

  private final AwsEndpoint issued;
  private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

  public StsStandIn(AwsEndpoint issued) {
    super(0);
    this.issued = issued;
    start();
  }

  /** The AssumeRole requests received, as their decoded form parameters. */
  public List<Map<String, String>> assumeRoleRequests() {
    return List.copyOf(requests);
  }

  @Override
  protected HttpResponse handle(HttpRequest r) {
    Map<String, String> form = form(r.bodyText());
    if (!"AssumeRole".equals(form.get("Action"))) {
      return error(400, "InvalidAction", "Could not find operation " + form.get("Action"));
    }
    if (form.get("RoleArn") == null || form.get("RoleSessionName") == null) {
      return error(400, "ValidationError", "RoleArn and RoleSessionName are required");
    }
    requests.add(form);
    String role = form.get("RoleArn").substring(form.get("RoleArn").indexOf(":role/") + 6);
    String xml = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
        + "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/" + role + "/" + form.get("RoleSessionName")
        + "</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:" + form.get("RoleSessionName") + "</AssumedRoleId></AssumedRoleUser>"
        + "<Credentials><AccessKeyId>" + issued.accessKeyId() + "</AccessKeyId><SecretAccessKey>"
        + issued.secretAccessKey() + "</SecretAccessKey><SessionToken>" + UUID.randomUUID() + "</SessionToken>"
        + "<Expiration>" + Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS) + "</Expiration>"
        + "</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>" + UUID.randomUUID()
        + "</RequestId></ResponseMetadata></AssumeRoleResponse>";
    return HttpResponse.text(200, "text/xml", xml);
  }

  @Override
  protected HttpResponse error(int status, String reason, String message) {
    return HttpResponse.text(status, "text/xml", "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        + "<Error><Type>Sender</Type><Code>" + reason + "</Code><Message>" + message + "</Message></Error>"
        + "<RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>");
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
