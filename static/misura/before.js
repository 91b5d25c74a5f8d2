/* Loaded before the Bootstrap Italia bundle. Its video player (video.js) writes an inline <style> of default
   sizes when it loads, which the Content-Security-Policy refuses (config/csp.py); this documented switch
   turns that off (no page of Misura shows a video). */
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
