/* "/" focuses the navbar's search box (components/navbar.py), unless the user is typing somewhere.
   Matched by key code as well as by character: on the Russian layout that key types "." and "/" is elsewhere. */
document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) { return; }
  if (e.key !== "/" && !(e.code === "Slash" && !e.shiftKey)) { return; }  // Shift+Slash is "?", not search
  const t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
  const box = document.getElementById("nav-search");
  if (!box) { return; }
  e.preventDefault();
  box.focus();
  box.select();
});
