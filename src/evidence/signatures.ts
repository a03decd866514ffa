/** A known error text; what it means for each cause is in the evidence table (catalogue/evidence.yaml). */
export type Signature = {
  id: string;
  title: string;
  pattern: RegExp;
};

export const SIGNATURES: readonly Signature[] = [
  {
    id: "java-not-serializable",
    title: "Java NotSerializableException",
    pattern: /java\.io\.NotSerializableException/,
  },
  {
    id: "java-invalid-class",
    title: "Java InvalidClassException (serialVersionUID mismatch)",
    pattern: /InvalidClassException\b.*(serialVersionUID|local class incompatible)/,
  },
  {
    id: "spring-serialization-failed",
    title: "Spring SerializationFailedException",
    pattern: /SerializationFailedException|SerializationException: Cannot (de)?serialize/,
  },
  {
    id: "java-class-not-found-on-load",
    title: "ClassNotFoundException while loading a session",
    pattern: /ClassNotFoundException.*(session|Session)|(session|Session).*ClassNotFoundException/,
  },
  {
    id: "aspnet-key-ring",
    title: "ASP.NET Data Protection key not found in the key ring",
    pattern: /The key \{?[0-9a-fA-F-]+\}? was not found in the key ring/,
  },
  {
    id: "aspnet-unprotect-session",
    title: "ASP.NET Core could not unprotect the session cookie",
    pattern: /Error unprotecting the session cookie|antiforgery token could not be decrypted/i,
  },
  {
    id: "python-not-serializable",
    title: "Python could not serialize a value (JSON or pickle session serializers)",
    pattern: /is not JSON serializable|PicklingError|[Cc]an(no|')t pickle/,
  },
  {
    id: "php-not-serializable",
    title: "PHP could not serialize a session value",
    pattern: /Serialization of '[^']+' is not allowed/,
  },
  {
    id: "ruby-not-serializable",
    title: "Ruby could not serialize a session value (Marshal or JSON)",
    pattern: /no _dump_data is defined for class|can't dump (anonymous class|hash with default proc)/,
  },
  {
    id: "rails-cookie-overflow",
    title: "Rails CookieOverflow: the cookie-stored session is over 4 KB",
    pattern: /ActionDispatch::Cookies::CookieOverflow/,
  },
  {
    id: "django-session-corrupted",
    title: "Django could not decode a session (SECRET_KEY differs, or corrupted data)",
    pattern: /Session data corrupted/,
  },
  {
    id: "express-cookie-signature",
    title: "express-session cookie signature failure",
    pattern:
      /cookie signature (invalid|mismatch|verification failed)|invalid (cookie )?signature.*(connect\.sid|session)/i,
  },
  {
    id: "redis-oom",
    title: "Redis OOM command not allowed",
    pattern: /OOM command not allowed/,
  },
  {
    id: "redis-max-clients",
    title: "Redis max number of clients reached",
    pattern: /max number of clients reached/i,
  },
  {
    id: "redis-misconf",
    title: "Redis MISCONF (cannot persist, writes refused)",
    pattern: /\bMISCONF\b/,
  },
  {
    id: "redis-readonly",
    title: "Redis READONLY: writing to a replica",
    pattern: /READONLY You can't write against a read only (replica|slave)/,
  },
  {
    id: "redis-loading",
    title: "Redis LOADING: the store restarted and is loading its dataset",
    pattern: /\bLOADING Redis is loading the dataset in memory/,
  },
  {
    id: "connection-refused",
    title: "Connection refused",
    pattern: /ECONNREFUSED|Connection refused|ConnectException/,
  },
  {
    id: "timeout",
    title: "Timeouts talking to a node or the store",
    pattern: /ETIMEDOUT|timed out|SocketTimeoutException|CommandTimeoutException|Command timed out|upstream timed out/i,
  },
  {
    id: "csrf-mismatch",
    title: "CSRF token mismatch",
    pattern:
      /CSRF token mismatch|invalid csrf token|Invalid CSRF Token|CSRF token (is )?(missing|invalid|expired)|CSRF verification failed/i,
  },
  {
    id: "cookie-samesite-none-insecure",
    title: "Browser rejected a SameSite=None cookie without Secure",
    pattern: /SameSite=None.{0,40}(without|missing|did not have).{0,20}Secure/i,
  },
  {
    id: "cookie-secure-over-http",
    title: "Browser rejected a Secure cookie set over plain HTTP",
    pattern: /"?Secure"? attribute but (was not received over|not received over) a secure connection/i,
  },
  {
    id: "cookie-already-expired",
    title: "Browser rejected a cookie that was already expired",
    pattern: /has been rejected because it is already expired|cookie.{0,40}already expired/i,
  },
  {
    id: "token-time",
    title: "Token expired or not yet valid",
    pattern:
      /TokenExpiredError|jwt expired|token (is )?not yet valid|NotBeforeError|used before issued|iat.{0,20}future/i,
  },
  {
    id: "header-too-large",
    title: "Request headers or cookies too large",
    pattern:
      /Request Header Fields Too Large|\b431\b.*header|cookie (is )?too (large|big)|Request Header Or Cookie Too Large/i,
  },
  {
    id: "upstream-header-too-big",
    title: "nginx: the app's response headers overflow proxy_buffer_size (502)",
    pattern: /upstream sent too big header while reading response header from upstream/,
  },
  {
    id: "server-header-limit",
    title: "A server refused request headers over its limit (nginx, Apache, Tomcat, Node)",
    pattern:
      /client sent too long header line|client intended to send too large (header|request)|Size of a request header field exceeds server limit|AH00561|Request header is too large|HPE_HEADER_OVERFLOW|Header overflow/,
  },
  {
    // express-session's warning at start in production: sessions in this one process's memory.
    id: "express-memory-store",
    title: "express-session running on its MemoryStore (one process's memory)",
    pattern: /connect\.session\(\) MemoryStore is not/,
  },
  {
    id: "engineio-session-unknown",
    title:
      'engine.io / socket.io "Session ID unknown" (a polling request reached a node that did not make the session)',
    pattern: /Session ID unknown/,
  },
  {
    id: "signalr-no-connection",
    title: 'SignalR "No Connection with that ID" (a request reached a server that does not hold the connection)',
    pattern: /No Connection with that ID/i,
  },
  {
    id: "realtime-transport-close",
    title: "socket.io disconnects (transport close, transport error, ping timeout)",
    pattern: /\b(transport close|transport error|ping timeout)\b/,
  },
  {
    id: "phpredis-lock-not-acquired",
    title: "phpredis gave up waiting for a session's lock (two requests of one session overlapped)",
    pattern: /Acquire of session lock was not successful|Failed to acquire session lock/,
  },
  {
    id: "store-pool-exhausted",
    title: "The app's connection pool to the session store is exhausted",
    pattern:
      /Could not get a resource from the pool|Pool exhausted|No connection is (active|available) to service this operation|Unable to send command/i,
  },
  {
    id: "store-client-closed",
    title: "The app's store client is closed or disconnected and does not reconnect",
    pattern:
      /The client is closed|ClientClosedError|Store is disconnected|read error on connection|Socket closed unexpectedly/,
  },
  {
    id: "store-connection-error",
    title: "The app could not reach the session store (refused, reset or timed out)",
    pattern: /redis.{0,120}(ETIMEDOUT|ECONNRESET|ECONNREFUSED|Connection refused|Connection reset|timed out)/i,
  },
  {
    id: "redis-moved",
    title: "Redis Cluster MOVED reached the app: its client does not follow the cluster's slots",
    pattern: /\bMOVED \d+ \S+:\d+|JedisMovedDataException|ReplyError: MOVED/,
  },
  {
    id: "redis-crossslot",
    title: "Redis Cluster CROSSSLOT: one command on keys of different slots",
    pattern: /\bCROSSSLOT\b/,
  },
  {
    id: "redis-cluster-down",
    title: "Redis Cluster is down or its topology is stale",
    pattern: /\bCLUSTERDOWN\b|ClusterDownException/,
  },
];
