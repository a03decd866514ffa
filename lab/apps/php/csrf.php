<?php
// A fresh token on every page view, kept in the session and embedded in each form, as many PHP apps do.
function csrf_field(): string
{
    $_SESSION['csrf_token'] = bin2hex(random_bytes(16));
    return '<input type="hidden" name="csrf_token" value="' . $_SESSION['csrf_token'] . '">';
}
