/*
 * geopulse device authentication for Mosquitto 2 (docs/decisions/0103-mqtt-device-auth.md).
 *
 *   MOSQ_EVT_BASIC_AUTH  the service account (plugin options) is checked here; a device
 *                        (username "<tenantId>:<deviceId>", password = its geopulse key) is
 *                        checked by ingest: POST <auth_url> {"username","password"} with
 *                        "Authorization: Bearer <auth_secret>"; 200 = yes, anything else = no.
 *   MOSQ_EVT_ACL_CHECK   computed from the authenticated username: a device writes only
 *                        devices/<username>/telemetry and devices/<username>/commands/ack and
 *                        subscribes/reads only devices/<username>/commands; the service
 *                        account subscribes/reads devices/+/telemetry and devices/+/commands/ack
 *                        (shared or not) and writes devices/+/commands. A device's publish re-asks ingest once its last
 *                        answer is older than cache_ms, so revocation, rotation grace,
 *                        disable and delete reach connected devices too (while ingest does not
 *                        answer at all, the last yes holds for stale_ms).
 *   MOSQ_EVT_MESSAGE     stamps the MQTT 5 user property <identity_property> = username on
 *                        every message (refusing one that already carries it), so the bridge can
 *                        check that the topic's device is the publisher (defence in depth).
 *   MOSQ_EVT_DISCONNECT  forgets the connection's credentials.
 *
 * Options (plugin_opt_<name>): auth_url (http://host:port/path, required), auth_secret
 * (required), service_username, service_password, cache_ms (5000), timeout_ms (2000), stale_ms (300000),
 * identity_property (geopulse-client).
 *
 * Calls are blocking, as every Mosquitto 2 plugin call is: ingest answers from its key cache
 * in well under a millisecond; a key never seen before costs one scrypt (tens of ms).
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>

#define MAX_ID 128
#define MAX_FIELD 512
#define BUCKETS 4096

struct session {
	struct mosquitto *client;
	char *username;
	char *password;
	int64_t checked_at_ms;
	struct session *next;
};

static mosquitto_plugin_id_t *plugin_id;
static char auth_host[256];
static char auth_port[16];
static char auth_path[512];
static char *auth_secret;
static char *service_username;
static char *service_password;
static long cache_ms = 5000;
static long timeout_ms = 2000;
static long stale_ms = 300000;
static char *identity_property;
static struct session *sessions[BUCKETS];

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Constant-time comparison of two NUL-terminated strings. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);
	for (size_t i = 0; i < la && i < lb; i++) diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static bool id_char(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
	return !first && (c == '.' || c == '_' || c == '~' || c == '-');
}

/* "<tenantId>:<deviceId>", each matching the platform's id pattern. */
static bool device_username(const char *u)
{
	if (!u) return false;
	const char *colon = strchr(u, ':');
	if (!colon || strchr(colon + 1, ':')) return false;
	size_t tenant_len = (size_t)(colon - u), device_len = strlen(colon + 1);
	if (tenant_len == 0 || tenant_len > MAX_ID || device_len == 0 || device_len > MAX_ID) return false;
	for (size_t i = 0; i < tenant_len; i++) if (!id_char(u[i], i == 0)) return false;
	for (size_t i = 0; i < device_len; i++) if (!id_char(colon[1 + i], i == 0)) return false;
	return true;
}

/* Device keys are gpk_<hex>_<base64url>: anything else is refused without asking ingest. */
static bool key_shaped(const char *p)
{
	if (!p) return false;
	size_t n = strlen(p);
	if (n < 5 || n > MAX_FIELD || strncmp(p, "gpk_", 4) != 0) return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
	}
	return true;
}

static bool is_service(const char *username)
{
	return service_username && username && strcmp(username, service_username) == 0;
}

enum verdict { ACCEPTED, REFUSED, UNAVAILABLE };

/* POSTs the credentials to ingest: 200 accepted, 401/403 refused, anything else (no answer, 5xx) unavailable. */
static enum verdict ingest_verdict(const char *username, const char *password)
{
	char body[2 * MAX_FIELD + 64];
	int body_len = snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
	if (body_len < 0 || (size_t)body_len >= sizeof body) return REFUSED;
	char request[sizeof body + 1024];
	int request_len = snprintf(request, sizeof request,
		"POST %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
		"Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		auth_path, auth_host, auth_port, auth_secret, body_len, body);
	if (request_len < 0 || (size_t)request_len >= sizeof request) return REFUSED;

	struct addrinfo hints = {0}, *addrs = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(auth_host, auth_port, &hints, &addrs) != 0) {
		mosquitto_log_printf(MOSQ_LOG_WARNING, "geopulse-auth: cannot resolve %s", auth_host);
		return UNAVAILABLE;
	}
	int fd = -1;
	for (struct addrinfo *a = addrs; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0) continue;
		struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(addrs);
	if (fd < 0) {
		mosquitto_log_printf(MOSQ_LOG_WARNING, "geopulse-auth: ingest at %s:%s unreachable (%s)", auth_host, auth_port, strerror(errno));
		return UNAVAILABLE;
	}
	enum verdict verdict = UNAVAILABLE;
	size_t sent = 0;
	while (sent < (size_t)request_len) {
		ssize_t n = send(fd, request + sent, (size_t)request_len - sent, MSG_NOSIGNAL);
		if (n <= 0) goto done;
		sent += (size_t)n;
	}
	char answer[64];
	size_t got = 0;
	while (got < sizeof answer - 1) {
		ssize_t n = recv(fd, answer + got, sizeof answer - 1 - got, 0);
		if (n <= 0) break;
		got += (size_t)n;
		if (memchr(answer, '\n', got)) break;
	}
	answer[got] = '\0';
	int status = 0;
	if (sscanf(answer, "HTTP/1.%*d %d", &status) == 1) {
		if (status == 200) verdict = ACCEPTED;
		else if (status == 401 || status == 403) verdict = REFUSED;
		else mosquitto_log_printf(MOSQ_LOG_WARNING, "geopulse-auth: ingest answered %d", status);
	} else {
		mosquitto_log_printf(MOSQ_LOG_WARNING, "geopulse-auth: no HTTP answer from ingest");
	}
done:
	close(fd);
	return verdict;
}

static unsigned bucket_of(const struct mosquitto *client)
{
	uintptr_t p = (uintptr_t)client;
	return (unsigned)((p >> 4) ^ (p >> 16)) % BUCKETS;
}

static struct session *find_session(const struct mosquitto *client)
{
	for (struct session *s = sessions[bucket_of(client)]; s; s = s->next) if (s->client == client) return s;
	return NULL;
}

static void free_session(struct session *s)
{
	if (s->password) memset(s->password, 0, strlen(s->password));
	free(s->username);
	free(s->password);
	free(s);
}

static void forget(const struct mosquitto *client)
{
	struct session **link = &sessions[bucket_of(client)];
	while (*link) {
		if ((*link)->client == client) {
			struct session *gone = *link;
			*link = gone->next;
			free_session(gone);
			return;
		}
		link = &(*link)->next;
	}
}

static void remember(struct mosquitto *client, const char *username, const char *password)
{
	forget(client);
	struct session *s = calloc(1, sizeof *s);
	if (!s) return;
	s->client = client;
	s->username = strdup(username);
	s->password = strdup(password);
	if (!s->username || !s->password) {
		free_session(s);
		return;
	}
	s->checked_at_ms = now_ms();
	unsigned b = bucket_of(client);
	s->next = sessions[b];
	sessions[b] = s;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_basic_auth *ed = event_data;
	forget(ed->client);
	if (!ed->username || !ed->password) return MOSQ_ERR_AUTH;
	if (is_service(ed->username)) {
		return service_password && same_secret(ed->password, service_password) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH;
	}
	if (!device_username(ed->username) || !key_shaped(ed->password)) return MOSQ_ERR_AUTH;
	/* A connection is let in only on ingest's yes: no answer is a no (fail closed). */
	if (ingest_verdict(ed->username, ed->password) != ACCEPTED) return MOSQ_ERR_AUTH;
	remember(ed->client, ed->username, ed->password);
	return MOSQ_ERR_SUCCESS;
}

/* topic == "devices/<username><suffix>" */
static bool own_topic(const char *topic, const char *username, const char *suffix)
{
	size_t ul = strlen(username);
	return strncmp(topic, "devices/", 8) == 0 && strncmp(topic + 8, username, ul) == 0 && strcmp(topic + 8 + ul, suffix) == 0;
}

/* topic == "devices/<one level>/<suffix>" with no wildcard in the level (wildcards allowed when wildcard is true). */
static bool any_device_topic(const char *topic, const char *suffix, bool wildcard)
{
	if (strncmp(topic, "devices/", 8) != 0) return false;
	const char *level = topic + 8, *slash = strchr(level, '/');
	if (!slash || slash == level) return false;
	size_t len = (size_t)(slash - level);
	if (wildcard && len == 1 && level[0] == '+') return strcmp(slash + 1, suffix) == 0;
	for (size_t i = 0; i < len; i++) if (level[i] == '+' || level[i] == '#') return false;
	return strcmp(slash + 1, suffix) == 0;
}

/* Strips "$share/<group>/" from a subscription filter. */
static const char *without_share(const char *filter)
{
	if (strncmp(filter, "$share/", 7) != 0) return filter;
	const char *slash = strchr(filter + 7, '/');
	return slash ? slash + 1 : filter;
}

static int service_acl(const struct mosquitto_evt_acl_check *ed)
{
	switch (ed->access) {
	case MOSQ_ACL_SUBSCRIBE: {
		const char *filter = without_share(ed->topic);
		return any_device_topic(filter, "telemetry", true) || any_device_topic(filter, "commands/ack", true) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	}
	case MOSQ_ACL_READ:
		return any_device_topic(ed->topic, "telemetry", false) || any_device_topic(ed->topic, "commands/ack", false) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	case MOSQ_ACL_WRITE: return any_device_topic(ed->topic, "commands", false) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	case MOSQ_ACL_UNSUBSCRIBE: return MOSQ_ERR_SUCCESS;
	default: return MOSQ_ERR_ACL_DENIED;
	}
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_acl_check *ed = event_data;
	const char *username = mosquitto_client_username(ed->client);
	if (!username || !ed->topic) return MOSQ_ERR_ACL_DENIED;
	if (is_service(username)) return service_acl(ed);
	struct session *s = find_session(ed->client);
	if (!s || strcmp(s->username, username) != 0) return MOSQ_ERR_ACL_DENIED;
	switch (ed->access) {
	case MOSQ_ACL_SUBSCRIBE:
	case MOSQ_ACL_READ:
		return own_topic(ed->topic, username, "/commands") ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
	case MOSQ_ACL_UNSUBSCRIBE:
		return MOSQ_ERR_SUCCESS;
	case MOSQ_ACL_WRITE:
		if (!own_topic(ed->topic, username, "/telemetry") && !own_topic(ed->topic, username, "/commands/ack")) return MOSQ_ERR_ACL_DENIED;
		if (now_ms() - s->checked_at_ms >= cache_ms) {
			/* A no ends the device's publishing at once; while ingest does not answer at all (restart,
			 * outage) the last yes holds for stale_ms, so the broker keeps buffering for the bridge. */
			switch (ingest_verdict(s->username, s->password)) {
			case ACCEPTED: s->checked_at_ms = now_ms(); break;
			case REFUSED: return MOSQ_ERR_ACL_DENIED;
			case UNAVAILABLE: if (now_ms() - s->checked_at_ms >= stale_ms) return MOSQ_ERR_ACL_DENIED; break;
			}
		}
		return MOSQ_ERR_SUCCESS;
	default:
		return MOSQ_ERR_ACL_DENIED;
	}
}

static int on_message(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_message *ed = event_data;
	for (const mosquitto_property *p = ed->properties; p; p = mosquitto_property_next(p)) {
		if (mosquitto_property_identifier(p) != MQTT_PROP_USER_PROPERTY) continue;
		char *name = NULL, *value = NULL;
		if (mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, false)) {
			bool forged = name && strcmp(name, identity_property) == 0;
			free(name);
			free(value);
			if (forged) return MOSQ_ERR_ACL_DENIED;
		}
	}
	const char *username = mosquitto_client_username(ed->client);
	if (!username) return MOSQ_ERR_ACL_DENIED;
	return mosquitto_property_add_string_pair(&ed->properties, MQTT_PROP_USER_PROPERTY, identity_property, username) == MOSQ_ERR_SUCCESS
		? MOSQ_ERR_SUCCESS : MOSQ_ERR_NOMEM;
}

static int on_disconnect(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)userdata;
	struct mosquitto_evt_disconnect *ed = event_data;
	forget(ed->client);
	return MOSQ_ERR_SUCCESS;
}

/* http://host:port/path only: ingest is on loopback or in the same pod network. */
static bool parse_url(const char *url)
{
	if (strncmp(url, "http://", 7) != 0) return false;
	const char *hostport = url + 7, *slash = strchr(hostport, '/');
	if (!slash) return false;
	const char *colon = memchr(hostport, ':', (size_t)(slash - hostport));
	size_t host_len = (size_t)((colon ? colon : slash) - hostport);
	if (host_len == 0 || host_len >= sizeof auth_host || strlen(slash) >= sizeof auth_path) return false;
	memcpy(auth_host, hostport, host_len);
	auth_host[host_len] = '\0';
	if (colon) {
		size_t port_len = (size_t)(slash - colon - 1);
		if (port_len == 0 || port_len >= sizeof auth_port) return false;
		memcpy(auth_port, colon + 1, port_len);
		auth_port[port_len] = '\0';
	} else {
		strcpy(auth_port, "80");
	}
	strcpy(auth_path, slash);
	return true;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for (int i = 0; i < supported_version_count; i++) if (supported_versions[i] == 5) return 5;
	return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	plugin_id = identifier;
	const char *url = NULL;
	for (int i = 0; i < option_count; i++) {
		const char *k = options[i].key, *v = options[i].value;
		if (!strcmp(k, "auth_url")) url = v;
		else if (!strcmp(k, "auth_secret")) auth_secret = strdup(v);
		else if (!strcmp(k, "service_username")) service_username = strdup(v);
		else if (!strcmp(k, "service_password")) service_password = strdup(v);
		else if (!strcmp(k, "cache_ms")) cache_ms = strtol(v, NULL, 10);
		else if (!strcmp(k, "timeout_ms")) timeout_ms = strtol(v, NULL, 10);
		else if (!strcmp(k, "stale_ms")) stale_ms = strtol(v, NULL, 10);
		else if (!strcmp(k, "identity_property")) identity_property = strdup(v);
	}
	if (!identity_property) identity_property = strdup("geopulse-client");
	if (!url || !parse_url(url)) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "geopulse-auth: plugin_opt_auth_url must be http://host:port/path");
		return MOSQ_ERR_INVAL;
	}
	if (!auth_secret || strlen(auth_secret) < 16 || strpbrk(auth_secret, "\r\n")) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "geopulse-auth: plugin_opt_auth_secret must hold at least 16 characters");
		return MOSQ_ERR_INVAL;
	}
	if ((service_username == NULL) != (service_password == NULL) || (service_username && device_username(service_username))) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "geopulse-auth: set both plugin_opt_service_username (without ':') and plugin_opt_service_password");
		return MOSQ_ERR_INVAL;
	}
	if (cache_ms < 0 || timeout_ms <= 0 || stale_ms < cache_ms) {
		mosquitto_log_printf(MOSQ_LOG_ERR, "geopulse-auth: need cache_ms >= 0, timeout_ms > 0, stale_ms >= cache_ms");
		return MOSQ_ERR_INVAL;
	}
	int rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, NULL);
	if (!rc) rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, NULL);
	if (!rc) rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL, NULL);
	if (!rc) rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_DISCONNECT, on_disconnect, NULL, NULL);
	if (!rc) mosquitto_log_printf(MOSQ_LOG_NOTICE, "geopulse-auth: devices authenticated by %s:%s%s", auth_host, auth_port, auth_path);
	return rc;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL);
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_DISCONNECT, on_disconnect, NULL);
	for (int b = 0; b < BUCKETS; b++) {
		while (sessions[b]) {
			struct session *s = sessions[b];
			sessions[b] = s->next;
			free_session(s);
		}
	}
	free(auth_secret);
	free(service_username);
	free(service_password);
	free(identity_property);
	auth_secret = service_username = service_password = identity_property = NULL;
	return MOSQ_ERR_SUCCESS;
}
