<%-- Sign-in form; a POST with the test user's credentials starts a fresh session and goes to the account page. --%>
<%@ page session="false" trimDirectiveWhitespaces="true" contentType="text/html; charset=UTF-8" import="java.util.*" %><%!
  private static final Map<String, String> USERS = Map.of("alice", "wonderland", "bob", "builder");

  /** What the shop charges; it holds live state, so it is deliberately not Serializable. */
  public static final class PriceList {
    private final Map<String, Integer> cents = new HashMap<>(Map.of("tea", 450, "cake", 325));
  }

  /** The shopping cart: Serializable itself, but it keeps a reference to the (non-Serializable) price list. */
  public static final class Cart implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final List<String> items = new ArrayList<>();
    private final PriceList prices = new PriceList();
  }
%><%
  String failed = null;
  if ("POST".equals(request.getMethod())) {
    String user = request.getParameter("user");
    if (user != null && USERS.get(user) != null && USERS.get(user).equals(request.getParameter("password"))) {
      // A new session at sign-in (no session fixation): the old one, if any, goes.
      HttpSession old = request.getSession(false);
      if (old != null) old.invalidate();
      HttpSession s = request.getSession(true);
      s.setAttribute("user", user);
      if ("1".equals(System.getenv("UNSERIALIZABLE"))) s.setAttribute("cart", new Cart());
      response.sendRedirect("account.jsp");
      return;
    }
    failed = "Wrong user name or password.";
    response.setStatus(401);
  }
%><!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body>
<% if (failed != null) { %><p class="error"><%= failed %></p><% } %>
<form method="post" action="login.jsp">
  <label>User <input name="user"></label>
  <label>Password <input name="password" type="password"></label>
  <button>Sign in</button>
</form>
</body></html>
