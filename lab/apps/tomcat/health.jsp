<%@ page session="false" trimDirectiveWhitespaces="true" contentType="text/plain; charset=UTF-8" %>OK
