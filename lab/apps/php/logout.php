<?php
// Signs out only with the token of the form it came from.
session_start();
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || !hash_equals($_SESSION['csrf_token'] ?? '', $_POST['csrf_token'] ?? '')) {
    http_response_code(403);
    echo "Invalid CSRF token\n";
    return;
}
$_SESSION = [];
session_destroy();
header('Location: /account.php', true, 303);
