package io.cloudbridge.testkit.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * EventBridge events shaped like the ones AWS documents for its services and the ones applications send, written
 * for these tests (not copied): EC2 instance state changes, S3 Object Created, ECS task state changes (fields that
 * appear as a task progresses, nulls filled later), GuardDuty findings (deep nesting, arrays of structs with optional
 * fields, an empty object filled later, a severity written {@code 8} one time and {@code 5.3} the next),
 * CodePipeline execution state changes, and custom order events whose line items mix integral and fractional
 * prices, with optional fields, empty arrays, keys holding {@code -}, {@code .}, spaces and non-ASCII letters, old
 * timestamps, and one event near EventBridge's 256 KB limit.
 *
 * <p>Round {@code r} of {@link #round} gives one event of each kind; the shapes drift from round to round the way
 * production streams do, so a stream's later events carry fields its first ones did not.
 */
public final class RealWorldEvents {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACCOUNT = "123456789012";
  private static final String REGION = "eu-west-1";
  private static final Instant START = Instant.parse("2026-11-30T08:00:00Z");

  /** One event: its EventBridge source and detail-type, its id, and the envelope as sent to SQS. */
  public record Event(String source, String detailType, String id, ObjectNode envelope) {
    public String json() {
      return envelope.toString();
    }
  }

  private RealWorldEvents() {}

  /** The detail types, one stream each, in the order {@link #round} gives them. */
  public static final List<String> DETAIL_TYPES = List.of("EC2 Instance State-change Notification", "Object Created",
      "ECS Task State Change", "GuardDuty Finding", "CodePipeline Pipeline Execution State Change", "Order Placed");

  /** One event of each kind for round {@code r} (0, 1, 2, …), ids {@code <prefix>-<kind>-<r>}. */
  public static List<Event> round(String prefix, int r) {
    List<Event> out = new ArrayList<>();
    out.add(ec2(prefix, r));
    out.add(s3(prefix, r));
    out.add(ecs(prefix, r));
    out.add(guardDuty(prefix, r));
    out.add(codePipeline(prefix, r));
    out.add(order(prefix, r));
    return out;
  }

  /** Rounds 0 to {@code rounds - 1}, and one big order event (about 250 KB) at the end. */
  public static List<Event> corpus(String prefix, int rounds) {
    List<Event> out = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      out.addAll(round(prefix, r));
    }
    out.add(bigOrder(prefix, rounds));
    return out;
  }

  private static ObjectNode envelope(String source, String detailType, String id, Instant time, List<String> resources) {
    ObjectNode e = JSON.createObjectNode();
    e.put("version", "0");
    e.put("id", id);
    e.put("detail-type", detailType);
    e.put("source", source);
    e.put("account", ACCOUNT);
    e.put("time", time.toString());
    e.put("region", REGION);
    ArrayNode res = e.putArray("resources");
    resources.forEach(res::add);
    return e;
  }

  private static Event event(String source, String detailType, String id, Instant time, List<String> resources,
      ObjectNode detail) {
    ObjectNode e = envelope(source, detailType, id, time, resources);
    e.set("detail", detail);
    return new Event(source, detailType, id, e);
  }

  private static Instant at(int r, int minutes) {
    return START.plusSeconds(r * 60L + minutes * 60L);
  }

  static Event ec2(String prefix, int r) {
    String instance = String.format("i-0a1b2c3d4e5f6%04d", r % 7);
    ObjectNode d = JSON.createObjectNode();
    d.put("instance-id", instance);
    d.put("state", List.of("pending", "running", "stopping", "stopped", "shutting-down").get(r % 5));
    return event("aws.ec2", DETAIL_TYPES.get(0), prefix + "-ec2-" + r, at(r, 0),
        List.of("arn:aws:ec2:" + REGION + ":" + ACCOUNT + ":instance/" + instance), d);
  }

  static Event s3(String prefix, int r) {
    ObjectNode d = JSON.createObjectNode();
    d.put("version", "0");
    d.putObject("bucket").put("name", "shop-exports");
    ObjectNode o = d.putObject("object");
    o.put("key", r % 3 == 0 ? "rapports/été/" + r + ".csv" : "logs/2026/11/30/app-" + r + ".json.gz");
    o.put("size", 1_000L * r + 5);
    o.put("etag", String.format("%032x", 0xabcdef12L * (r + 1)));
    if (r % 2 == 1) {
      o.put("version-id", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo." + r);
    }
    o.put("sequencer", String.format("%018X", 0x617f08299329d1L + r));
    d.put("request-id", "N4N7GDK58NMKJ12R-" + r);
    d.put("requester", ACCOUNT);
    d.put("source-ip-address", "203.0.113." + (r % 250));
    d.put("reason", "PutObject");
    return event("aws.s3", DETAIL_TYPES.get(1), prefix + "-s3-" + r, at(r, 1),
        List.of("arn:aws:s3:::shop-exports"), d);
  }

  /** A task that goes PROVISIONING → RUNNING → STOPPED over three rounds, gaining fields as it goes. */
  static Event ecs(String prefix, int r) {
    int phase = r % 3;
    String task = "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":task/shop/" + String.format("%032x", r / 3 + 1L);
    ObjectNode d = JSON.createObjectNode();
    ArrayNode attachments = d.putArray("attachments");
    ObjectNode eni = attachments.addObject();
    eni.put("id", "1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8");
    eni.put("type", "eni");
    eni.put("status", List.of("PRECREATED", "ATTACHED", "DELETED").get(phase));
    ArrayNode details = eni.putArray("details");
    if (phase > 0) {
      details.addObject().put("name", "subnetId").put("value", "subnet-abcd1234");
      details.addObject().put("name", "privateIPv4Address").put("value", "10.0.0.139");
    }
    d.put("availabilityZone", REGION + "b");
    d.put("clusterArn", "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":cluster/shop");
    ArrayNode containers = d.putArray("containers");
    ObjectNode c = containers.addObject();
    c.put("containerArn", task.replace(":task/", ":container/"));
    c.put("lastStatus", List.of("PENDING", "RUNNING", "STOPPED").get(phase));
    c.put("name", "checkout");
    c.put("image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:1." + r);
    c.put("taskArn", task);
    ArrayNode nics = c.putArray("networkInterfaces");
    if (phase > 0) {
      nics.addObject().put("attachmentId", "1789bcae-ddfb-4d10-8ebe-8ac87ddba5b8")
          .put("privateIpv4Address", "10.0.0.139");
    }
    c.put("cpu", "0");
    if (phase == 2) {
      c.put("exitCode", r % 2 == 0 ? 0 : 137);
    }
    d.put("createdAt", at(r, 0).toString());
    d.put("launchType", "FARGATE");
    d.put("cpu", "256");
    d.put("memory", "512");
    d.put("desiredStatus", phase == 2 ? "STOPPED" : "RUNNING");
    d.put("group", "service:checkout");
    d.put("lastStatus", List.of("PROVISIONING", "RUNNING", "STOPPED").get(phase));
    ObjectNode overrides = d.putObject("overrides");
    overrides.putArray("containerOverrides").addObject().put("name", "checkout");
    d.put("connectivity", phase == 0 ? "CONNECTING" : "CONNECTED");
    if (phase == 0) {
      d.putNull("startedAt");
    } else {
      d.put("startedAt", at(r, 1).toString());
      d.put("pullStartedAt", at(r, 0).plusSeconds(20).toString());
    }
    if (phase == 2) {
      d.put("stoppedAt", at(r, 2).toString());
      d.put("stoppedReason", "Essential container in task exited");
      d.put("stopCode", "EssentialContainerExited");
    }
    d.put("taskArn", task);
    d.put("taskDefinitionArn", "arn:aws:ecs:" + REGION + ":" + ACCOUNT + ":task-definition/checkout:" + (r / 3 + 4));
    d.put("updatedAt", at(r, 2).toString());
    d.put("version", phase + 1);
    return event("aws.ecs", DETAIL_TYPES.get(2), prefix + "-ecs-" + r, at(r, 2), List.of(task), d);
  }

  static Event guardDuty(String prefix, int r) {
    ObjectNode d = JSON.createObjectNode();
    d.put("schemaVersion", "2.0");
    d.put("accountId", ACCOUNT);
    d.put("region", REGION);
    d.put("partition", "aws");
    String id = String.format("%032x", 0x16afba5c5a8fL * (r + 1));
    d.put("id", id);
    d.put("arn", "arn:aws:guardduty:" + REGION + ":" + ACCOUNT + ":detector/12abc34d567e8f4912ab3d45e67891f2/finding/"
        + id);
    d.put("type", r % 2 == 0 ? "UnauthorizedAccess:EC2/SSHBruteForce" : "Recon:EC2/PortProbeUnprotectedPort");
    ObjectNode resource = d.putObject("resource");
    resource.put("resourceType", "Instance");
    ObjectNode instance = resource.putObject("instanceDetails");
    instance.put("instanceId", "i-99999999");
    instance.put("instanceType", "m3.xlarge");
    instance.put("launchTime", "2016-08-02T02:05:06Z");
    instance.putNull("platform");
    instance.putArray("productCodes");
    instance.putObject("iamInstanceProfile").put("arn", "arn:aws:iam::" + ACCOUNT + ":example/instance/profile")
        .put("id", "GeneratedFindingInstanceProfileId");
    ArrayNode nics = instance.putArray("networkInterfaces");
    ObjectNode nic = nics.addObject();
    nic.putArray("ipv6Addresses");
    nic.put("networkInterfaceId", "eni-bfcffe88");
    nic.put("privateDnsName", "ip-10-0-0-1.ec2.internal");
    nic.put("privateIpAddress", "10.0.0.1");
    ArrayNode privateIps = nic.putArray("privateIpAddresses");
    privateIps.addObject().put("privateDnsName", "ip-10-0-0-1.ec2.internal").put("privateIpAddress", "10.0.0.1");
    if (r % 2 == 1) {
      privateIps.addObject().put("privateIpAddress", "10.0.0.2"); // no DNS name on this one
      nic.put("publicDnsName", "ec2-198-51-100-1.compute-1.amazonaws.com");
      nic.put("publicIp", "198.51.100.1");
    }
    nic.putArray("securityGroups").addObject().put("groupId", "sg-ffffffff").put("groupName", "default");
    nic.put("subnetId", "subnet-99999999");
    nic.put("vpcId", "vpc-99999999");
    ArrayNode tags = instance.putArray("tags");
    if (r > 0) {
      tags.addObject().put("key", "team").put("value", "payments");
      tags.addObject().put("key", "name").put("value", "checkout-" + r);
    }
    instance.put("instanceState", "running");
    instance.put("availabilityZone", REGION + "a");
    instance.put("imageId", "ami-99999999");
    instance.put("imageDescription", "GeneratedFindingInstaceImageDescription");
    ObjectNode service = d.putObject("service");
    service.put("serviceName", "guardduty");
    service.put("detectorId", "12abc34d567e8f4912ab3d45e67891f2");
    ObjectNode action = service.putObject("action");
    action.put("actionType", "NETWORK_CONNECTION");
    ObjectNode connection = action.putObject("networkConnectionAction");
    connection.put("connectionDirection", "INBOUND");
    ObjectNode remote = connection.putObject("remoteIpDetails");
    remote.put("ipAddressV4", "198.51.100.0");
    remote.putObject("organization").put("asn", "-1").put("asnOrg", "GeneratedFindingASNOrg")
        .put("isp", "GeneratedFindingISP").put("org", "GeneratedFindingORG");
    remote.putObject("country").put("countryName", r % 3 == 0 ? "Côte d'Ivoire" : "GeneratedFindingCountryName");
    remote.putObject("city").put("cityName", r % 3 == 0 ? "São Paulo" : "GeneratedFindingCityName");
    ObjectNode geo = remote.putObject("geoLocation");
    if (r % 2 == 0) {
      geo.put("lat", 0).put("lon", 0);
    } else {
      geo.put("lat", -23.5505).put("lon", -46.6333);
    }
    connection.putObject("remotePortDetails").put("port", 32794).put("portName", "Unknown");
    connection.putObject("localPortDetails").put("port", 22).put("portName", "SSH");
    connection.put("protocol", "TCP");
    connection.put("blocked", false);
    service.put("resourceRole", "TARGET");
    ObjectNode info = service.putObject("additionalInfo");
    if (r > 1) {
      info.put("sample", true);
      info.put("threatListName", "GeneratedFindingThreatListName");
    }
    service.put("eventFirstSeen", at(r, 0).toString());
    service.put("eventLastSeen", at(r, 3).toString());
    service.put("archived", false);
    service.put("count", r + 1);
    if (r % 2 == 0) {
      d.put("severity", 8);
    } else {
      d.put("severity", 5.3);
    }
    d.put("createdAt", at(r, 0).toString());
    d.put("updatedAt", at(r, 3).toString());
    d.put("title", "198.51.100.0 is performing SSH brute force attacks against i-99999999.");
    d.put("description", "198.51.100.0 is performing SSH brute force attacks against i-99999999. Brute force attacks"
        + " are used to gain unauthorized access to your instance by guessing the SSH password.");
    return event("aws.guardduty", DETAIL_TYPES.get(3), prefix + "-guardduty-" + r, at(r, 3), List.of(), d);
  }

  static Event codePipeline(String prefix, int r) {
    ObjectNode d = JSON.createObjectNode();
    d.put("pipeline", "shop-release");
    d.put("execution-id", String.format("01234567-0123-0123-0123-%012d", r));
    if (r % 2 == 1) {
      d.putObject("execution-trigger").put("trigger-type", "StartPipelineExecution")
          .put("trigger-detail", "arn:aws:sts::" + ACCOUNT + ":assumed-role/release/réléase-bot");
    }
    d.put("state", List.of("STARTED", "SUCCEEDED", "FAILED").get(r % 3));
    if (r % 2 == 0) {
      d.put("version", 1.0);
    } else {
      d.put("version", 3);
    }
    return event("aws.codepipeline", DETAIL_TYPES.get(4), prefix + "-codepipeline-" + r, at(r, 4),
        List.of("arn:aws:codepipeline:" + REGION + ":" + ACCOUNT + ":shop-release"), d);
  }

  static Event order(String prefix, int r) {
    ObjectNode d = JSON.createObjectNode();
    d.put("orderId", prefix + "-o" + r);
    ObjectNode customer = d.putObject("customer");
    customer.put("id", "c-" + (r % 5));
    customer.put("prénom", List.of("Zoë", "Jürgen", "Łukasz", "José", "Анна").get(r % 5));
    customer.put("e-mail.verified", r % 2 == 0);
    if (r >= 2) {
      customer.put("loyalty tier", "gold"); // a key with a space, appearing later
    }
    ArrayNode lines = d.putArray("lines");
    lines.addObject().put("sku", "A-1").put("qty", 2).put("unitPrice", 5000.5);
    lines.addObject().put("sku", "B-2").put("qty", 1).put("unitPrice", 999);
    if (r % 2 == 1) {
      lines.addObject().put("sku", "C-3").put("qty", 3).put("unitPrice", 10).put("discount", 0.5);
    }
    if (r == 0) {
      d.putNull("coupon");
    } else {
      d.put("coupon", "SPRING-" + r);
    }
    ArrayNode tags = d.putArray("tags");
    if (r >= 1) {
      tags.add("gift");
    }
    ObjectNode address = d.putObject("shipping address");
    address.put("straße", "Hauptstraße " + (r + 1));
    address.put("city", r % 2 == 0 ? "München" : "東京");
    address.put("note", "配送前に電話 ☎️ " + r);
    d.put("total", r % 2 == 0 ? 10_999 : 11_029.5);
    d.put("user_agent", r % 2 == 0
        ? "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0"
        + " Safari/537.36"
        : "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0"
        + " Safari/537.36");
    // an event from an old backfill: its time is years before now
    Instant time = r % 4 == 3 ? Instant.parse("2015-03-01T09:30:00Z").plusSeconds(r) : at(r, 5);
    return event("com.example.shop", DETAIL_TYPES.get(5), prefix + "-order-" + r, time, List.of(), d);
  }

  private static long utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** An order with many lines: about 250 KB, under EventBridge's and SQS's 256 KiB. */
  static Event bigOrder(String prefix, int r) {
    Event base = order(prefix, r);
    ObjectNode d = (ObjectNode) base.envelope().get("detail");
    ArrayNode lines = (ArrayNode) d.get("lines");
    long size = utf8(base.envelope().toString());
    for (int i = 0; size < 250_000; i++) {
      ObjectNode line = lines.addObject().put("sku", "BULK-" + i).put("qty", i % 7 + 1)
          .put("unitPrice", i % 2 == 0 ? 12 : 12.25).put("note", "ligne n°" + i + " — emballage recyclé");
      size += utf8(line.toString()) + 1;
    }
    return base;
  }
}
