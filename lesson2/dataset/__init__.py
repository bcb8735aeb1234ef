"""Step 1, building an image dataset from the web (notebook 01_build_dataset).

    from lesson2.dataset.snippet import show_snippet           # the browser-console snippet
    from lesson2.dataset.search import search_to_file           # or search from Python
    from lesson2.dataset.urlfile import find_url_files, read_urls
    from lesson2.dataset.download import download_images, verify_images, summarize, failures
    from lesson2.dataset.gallery import show_samples            # look at what you got

snippet     the JavaScript that collects image URLs on a results page (collect_urls.js)
urlfile     URL files: urls_<class>.txt, one URL per line
search      image search from Python (DuckDuckGo or Bing, through ddgs)
fetch       one URL, with deadlines, redirects and retries that cannot hang
download    URL files into verified folders of pictures, every URL's fate in a manifest
folders     what a dataset folder is: one visible subfolder of pictures per class
gallery     grids of sample pictures and bars of download statuses
"""
