<?php
require __DIR__ . '/csrf.php';
session_start();
$user = $_SESSION['user'] ?? null;
?>
<!doctype html>
<title>Your account</title>
<?php if ($user !== null): ?>
<p>Signed in as <?= htmlspecialchars($user) ?></p>
<form method="post" action="/logout.php"><?= csrf_field() ?><button>Sign out</button></form>
<?php else: ?>
<p>Please sign in.</p>
<form method="post" action="/login.php">
  <?= csrf_field() ?>
  <input name="user"> <input name="password" type="password"> <button>Sign in</button>
</form>
<?php endif; ?>
