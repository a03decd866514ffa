<?php
// The test user signs in with a form POST; a new session id on sign-in guards against session fixation.
session_start();
if ($_SERVER['REQUEST_METHOD'] === 'POST' && ($_POST['user'] ?? '') === 'demo' && ($_POST['password'] ?? '') === 'demo') {
    session_regenerate_id(true);
    $_SESSION['user'] = 'demo';
    $_SESSION['signed_in_at'] = time();
    header('Location: /account.php', true, 303);
    return;
}
http_response_code($_SERVER['REQUEST_METHOD'] === 'POST' ? 401 : 200);
?>
<!doctype html>
<title>Sign in</title>
<form method="post" action="/login.php">
  <input name="user"> <input name="password" type="password"> <button>Sign in</button>
</form>
