# Pantau in a container, for deploy/compose.yaml (Pantau + Elasticsearch + the dashboard).
# CPU-only PyTorch keeps the image small; the shipped models are part of the package, nothing is downloaded
# at run time. Build: docker build -t pantau .
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
WORKDIR /srv/pantau
COPY pyproject.toml README.md ./
COPY pantau pantau
COPY crawlers crawlers
COPY nlp nlp
COPY index index
COPY alerts alerts
COPY dashboard dashboard
COPY demo demo
COPY .streamlit .streamlit
COPY scrapy.cfg ./
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu . \
    && useradd --system --home /srv/pantau pantau && mkdir -p pantau-data && chown pantau pantau-data
USER pantau
EXPOSE 8501
CMD ["pantau", "--help"]
