/* Exports: start the browser's download of a job's file without leaving the page. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  okno_exports: {
    download: function (job) {
      if (!job || !job.url) { return window.dash_clientside.no_update; }
      const a = document.createElement("a");
      a.href = job.url;
      a.setAttribute("download", "");
      document.body.appendChild(a);
      a.click();
      a.remove();
      return Date.now();
    },
  },
});
