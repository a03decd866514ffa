<%-- The signed-in user's page: without a signed-in session, off to the login form (as a servlet filter would). --%>
<%@ page session="false" trimDirectiveWhitespaces="true" contentType="text/html; charset=UTF-8" %><%
  HttpSession s = request.getSession(false);
  Object user = s == null ? null : s.getAttribute("user");
  if (user == null) {
    response.sendRedirect("login.jsp");
    return;
  }
%><!DOCTYPE html>
<html><head><title>Your account</title></head>
<body><p>Signed in as <%= user %></p><p><a href="login.jsp">Switch user</a></p></body></html>
