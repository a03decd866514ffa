<?php
// A page that takes its time (a report, a slow API call) and, like every page with a form, puts a new CSRF token in
// the session: PHP writes the session it loaded back when the page ends.
require __DIR__ . '/csrf.php';
session_start();
$field = csrf_field();
sleep(1);
?>
<!doctype html>
<title>Report</title>
<form method="post" action="/account.php"><?= $field ?><button>Refresh</button></form>
