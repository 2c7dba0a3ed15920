package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudbridge.testkit.http.HttpRequest;
import io.cloudbridge.testkit.http.HttpResponse;
import io.cloudbridge.testkit.http.HttpStandIn;
import java.io.IOException;
import java.util.List;

/**
 * The BigQuery REST v2 datasets and tables methods a sink needs: datasets insert/get; tables insert, get,
 * patch, update, delete and list, with partitioning, clustering, primary keys and BigQuery's schema rules;
 * tabledata.list to read rows back; load jobs (jobs.insert, get, delete; see {@link Jobs}).
 */
final class TablesApi extends HttpStandIn {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final TableStore store;
  private final Jobs jobs;

  TablesApi(int port, TableStore store, Jobs jobs) {
    super(port);
    this.store = store;
    this.jobs = jobs;
    start();
  }

  @Override
  protected HttpResponse handle(HttpRequest r) {
    try {
      List<String> s = r.segments();
      if (s.size() >= 5 && s.get(0).equals("bigquery") && s.get(4).equals("jobs")) {
        return jobs(r, s);
      }
      if (s.size() < 4 || !s.get(0).equals("bigquery") || !s.get(1).equals("v2") || !s.get(2).equals("projects")
          || s.size() < 5 || !s.get(4).equals("datasets")) {
        throw BigQueryError.notFound("Not found: " + String.join("/", s));
      }
      String project = s.get(3);
      String method = r.method();
      if (s.size() == 5 && method.equals("POST")) {
        return ok(store.insertDataset(project, body(r)));
      }
      if (s.size() == 6 && method.equals("GET")) {
        return ok(store.dataset(project, s.get(5)));
      }
      if (s.size() >= 7 && s.get(6).equals("tables")) {
        String dataset = s.get(5);
        if (s.size() == 7 && method.equals("POST")) {
          return ok(store.insertTable(project, dataset, body(r)).resource);
        }
        if (s.size() == 7 && method.equals("GET")) {
          return ok(TableData.tableList(store.tablesOf(project, dataset)));
        }
        if (s.size() == 9 && s.get(8).equals("data") && method.equals("GET")) {
          synchronized (store) {
            return ok(TableData.list(store.table(project, dataset, s.get(7)), r));
          }
        }
        if (s.size() == 8) {
          String table = s.get(7);
          return switch (method) {
            case "GET" -> ok(withStats(store.table(project, dataset, table)));
            case "PATCH" -> ok(store.changeTable(project, dataset, table, body(r), false, r.header("If-Match"))
                .resource);
            case "PUT" -> ok(store.changeTable(project, dataset, table, body(r), true, r.header("If-Match"))
                .resource);
            case "DELETE" -> {
              store.deleteTable(project, dataset, table);
              yield HttpResponse.empty(204);
            }
            default -> throw BigQueryError.invalid(method + " is not supported on a table");
          };
        }
      }
      throw BigQueryError.notFound("Not found: " + method + " " + String.join("/", s));
    } catch (BigQueryError e) {
      return e.toResponse();
    }
  }

  /** jobs.insert, jobs.get and jobs.delete (see {@link Jobs}). */
  private HttpResponse jobs(HttpRequest r, List<String> s) {
    String project = s.get(3);
    if (s.size() == 5 && r.method().equals("POST")) {
      return ok(jobs.insert(project, body(r)));
    }
    if (s.size() == 6 && r.method().equals("GET")) {
      return ok(jobs.get(project, s.get(5), r.query("location")));
    }
    if (s.size() == 7 && s.get(6).equals("delete") && r.method().equals("DELETE")) {
      jobs.delete(project, s.get(5));
      return HttpResponse.empty(204);
    }
    throw BigQueryError.notFound("Not found: " + r.method() + " " + String.join("/", s));
  }

  private ObjectNode withStats(Table table) {
    synchronized (store) {
      ObjectNode copy = table.resource.deepCopy();
      copy.put("numRows", Integer.toString(table.visibleRows().size()));
      copy.put("numBytes", "0");
      return copy;
    }
  }

  @Override
  protected HttpResponse error(int status, String reason, String message) {
    return BigQueryError.body(status, reason, message);
  }

  private static HttpResponse ok(JsonNode json) {
    return HttpResponse.json(200, json.toString());
  }

  private static ObjectNode body(HttpRequest r) {
    try {
      JsonNode node = JSON.readTree(r.body());
      if (!(node instanceof ObjectNode o)) {
        throw BigQueryError.invalid("Request body must be a JSON object");
      }
      return o;
    } catch (IOException e) {
      throw BigQueryError.invalid("Invalid JSON payload received. " + e.getMessage());
    }
  }
}
