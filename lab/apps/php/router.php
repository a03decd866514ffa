<?php
// The built-in server's router: the app's pages by path, 404 for anything else (no directory listings). With a
// router the server logs no request lines, so the app logs each request itself, as apps behind php-fpm do.
$pages = [
    '/' => 'account.php',
    '/account.php' => 'account.php',
    '/login.php' => 'login.php',
    '/logout.php' => 'logout.php',
    '/health.php' => 'health.php',
    '/cart.php' => 'cart.php',
    '/slow.php' => 'slow.php',
];
register_shutdown_function(function () {
    error_log(sprintf('%d %s %s', http_response_code(), $_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI']));
});
$page = $pages[parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH)] ?? null;
if ($page === null) {
    http_response_code(404);
    echo "Not found\n";
    return true;
}
require __DIR__ . '/' . $page;
