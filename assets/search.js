/* "/" focuses the navbar's search box (components/navbar.py), unless the user is typing somewhere.
   Matched by key code, not by the typed character: on the Russian layout that key types "." (and "/" sits
   elsewhere), so the shortcut is the physical key in any layout. Shift+Slash is "?", the help overlay. */
document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) { return; }
  if (e.code !== "Slash" || e.shiftKey) { return; }
  const t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
  const box = document.getElementById("nav-search");
  if (!box) { return; }
  e.preventDefault();
  box.focus();
  box.select();
});
