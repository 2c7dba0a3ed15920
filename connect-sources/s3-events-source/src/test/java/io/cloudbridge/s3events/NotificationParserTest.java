package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NotificationParserTest {

  private static final String KEY = "logs/dt=2026-11-22/a b+c%d=é.json.gz";

  @Test
  void s3NotificationKeysAreFormDecoded() throws Exception {
    List<ObjectEvent> events = NotificationParser.parse(Notifications.created("bkt", KEY, "abc", "0055AED6DCD90281E5"));
    assertThat(events).containsExactly(new ObjectEvent("bkt", KEY, null, "abc", 1L, "0055AED6DCD90281E5",
        "ObjectCreated:Put", Notifications.EVENT_TIME.toString(), true));
  }

  @Test
  void encodedSlashesAreDecodedToo() throws Exception {
    String body = Notifications.created("bkt", "a/b", "e", "01").replace("a/b", "a%2Fb");
    assertThat(NotificationParser.parse(body).get(0).key()).isEqualTo("a/b");
  }

  @Test
  void eventBridgeKeysAreTakenAsTheyAre() throws Exception {
    List<ObjectEvent> events = NotificationParser.parse(Notifications.eventBridge("bkt", "a b+c%20.json", "e1", "0a"));
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.key()).isEqualTo("a b+c%20.json");
      assertThat(e.created()).isTrue();
      assertThat(e.etag()).isEqualTo("e1");
      assertThat(e.eventTime()).isEqualTo(Notifications.EVENT_TIME.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    });
  }

  @Test
  void snsWrappedNotificationsOfBothShapesAreUnwrapped() throws Exception {
    assertThat(NotificationParser.parse(Notifications.sns(Notifications.created("b", KEY, "e", "01"))))
        .extracting(ObjectEvent::key).containsExactly(KEY);
    assertThat(NotificationParser.parse(Notifications.sns(Notifications.eventBridge("b", "k", "e", "01"))))
        .extracting(ObjectEvent::key).containsExactly("k");
  }

  @Test
  void testEventsHaveNoObjectsAndRemovalsAreNotCreations() throws Exception {
    assertThat(NotificationParser.parse(Notifications.testEvent("b"))).isEmpty();
    assertThat(NotificationParser.parse(Notifications.s3("ObjectRemoved:Delete", "b", "k", null, 0, "01")))
        .singleElement().satisfies(e -> assertThat(e.created()).isFalse());
  }

  @Test
  void otherBodiesAreMalformed() {
    assertThatThrownBy(() -> NotificationParser.parse("not json"))
        .isInstanceOf(NotificationParser.MalformedNotificationException.class).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> NotificationParser.parse("{\"hello\":1}"))
        .isInstanceOf(NotificationParser.MalformedNotificationException.class);
    assertThatThrownBy(() -> NotificationParser.parse("{\"Records\":[{\"s3\":{}}]}"))
        .isInstanceOf(NotificationParser.MalformedNotificationException.class);
  }
}
