<?php
// A cart kept in the session: GET lists its items, POST adds one (form field `item`).
session_start();
$_SESSION['items'] ??= [];
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $_SESSION['items'][] = (string) ($_POST['item'] ?? '');
}
header('Content-Type: application/json');
echo json_encode(['items' => $_SESSION['items']]);
