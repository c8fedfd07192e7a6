"""Routes: / (hello) and /health (what the ALB target group checks)."""
from django.http import HttpResponse, JsonResponse
from django.urls import path


def index(request):
    return HttpResponse("Hello from Django on ECS\n", content_type="text/plain")


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [path("", index), path("health", health)]
