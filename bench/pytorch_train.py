"""PyTorch reference trainer for `npm run bench -- train`: Distillery's classifier models,
the same MNIST images and batch size, Adam; prints one JSON line per model.
Run with Debian's /usr/bin/python3 (python3-torch). Benchmark only, never a
runtime dependency of Distillery.

Optional 7th argument: device, `auto` (CUDA when torch has it, else CPU),
`cuda` or `cpu`. On CUDA the images are moved to the GPU once (as
Distillery's webgpu loop does) and the clock stops after a synchronize."""
import json
import struct
import sys
import time

import torch
import torch.nn as nn


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack('>' + 'I' * rank, data[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(data[4 + 4 * rank:]), dtype=torch.uint8).reshape(dims)


def teacher():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def student():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))


def lenet300():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def lenet5():
    # Caffe's MNIST LeNet as Distillery builds it: no nonlinearity after the convolutions.
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))


def hinton_mlp(hidden, dropout):
    layers = [nn.Flatten(), nn.Linear(784, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(hidden, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, 10))


def keras_cnn(f1, f2):
    # TensorFlow's "same" padding at stride 2 pads one pixel right and bottom (28 -> 14 -> 7); the
    # stride-1 max-pool's "same" padding too (zeros after a ReLU give the same maximum as -inf).
    return nn.Sequential(
        nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(1, f1, 3, stride=2), nn.ReLU(),
        nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2, stride=1),
        nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(f1, f2, 3, stride=2),
        nn.Flatten(), nn.Linear(f2 * 49, 10))


def conv_ae():
    # The seed's convolutional AE (src-main/ml/models/autoencoders.ts): Keras "same" 3x3 convolutions,
    # "same" 2x2 max-pools (7 -> 4 pads one row/column after), nearest upsampling.
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(16, 1, 3, padding=1))


def dense_ae():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 784))


class Vae(nn.Module):
    """The seed's VAE, 784-512-(d, d) and d-512-784 (Gaussian), or the Dirichlet VAE's softplus head
    with Distillery's sampler: log-Gamma draws by Marsaglia-Tsang with the shape-augmentation trick,
    reparameterised through torch's rsample (what a PyTorch user would write)."""

    def __init__(self, latent, dirichlet):
        super().__init__()
        self.dirichlet = dirichlet
        self.latent = latent
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU())
        self.heads = nn.Linear(512, latent if dirichlet else 2 * latent)
        self.decoder = nn.Sequential(nn.Linear(latent, 512), nn.ReLU(), nn.Linear(512, 784))

    def loss(self, x):
        x = x.flatten(1)
        h = self.heads(self.body(x))
        if self.dirichlet:
            alpha = nn.functional.softplus(h) + 1e-4
            q = torch.distributions.Dirichlet(alpha)
            z = q.rsample() * self.latent
            prior = torch.distributions.Dirichlet(torch.full_like(alpha, 0.98))
            kl = torch.distributions.kl_divergence(q, prior)
        else:
            mu, logvar = h.chunk(2, 1)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            kl = -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(1)
        recon = nn.functional.binary_cross_entropy_with_logits(self.decoder(z), x, reduction='none').sum(1)
        return (recon + kl).mean()


class Reconstruct(nn.Module):
    """An autoencoder trained on per-pixel BCE of its reconstruction (the autoencoder kind's default)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def loss(self, x):
        return nn.functional.binary_cross_entropy_with_logits(self.net(x).reshape(x.shape), x)


# Distillery's latent models: trained on their own loss (no labels).
LATENT = {
    'conv-ae': lambda: Reconstruct(conv_ae()),
    'dense-ae': lambda: Reconstruct(dense_ae()),
    'vae': lambda: Vae(10, False),
    'dirvae': lambda: Vae(10, True),
}


# Distillery's classifier models (src-main/ml/models/classifiers.ts), layer for layer.
MODELS = {
    'teacher': teacher,
    'student': student,
    'lenet300': lenet300,
    'lenet5': lenet5,
    'hinton-teacher': lambda: hinton_mlp(1200, 0.5),
    'hinton-student': lambda: hinton_mlp(800, 0),
    'keras-teacher': lambda: keras_cnn(256, 512),
    'keras-student': lambda: keras_cnn(16, 32),
}


def main():
    images_path, labels_path, images, batch, threads, models = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6].split(',')
    want = sys.argv[7] if len(sys.argv) > 7 else 'cpu'
    device = 'cuda' if want == 'cuda' or (want == 'auto' and torch.cuda.is_available()) else 'cpu'
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = read_idx(images_path)[:images].float().div(255).unsqueeze(1).to(device)
    y = read_idx(labels_path)[:images].long().to(device)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    name_of_device = torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu'
    for name in models:
        latent = name in LATENT
        model = (LATENT[name] if latent else MODELS[name])().to(device)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        cross_entropy = nn.CrossEntropyLoss()

        def loss_fn(out_or_x, labels):
            return model.loss(out_or_x) if latent else cross_entropy(model(out_or_x), labels)

        def epoch():
            perm = torch.randperm(images, device=device)
            for i in range(0, images, batch):
                idx = perm[i:i + batch]
                opt.zero_grad()
                loss = loss_fn(x[idx], y[idx])
                loss.backward()
                opt.step()

        # One warm-up pass over a few batches, then the timed epoch.
        for i in range(0, min(images, 4 * batch), batch):
            opt.zero_grad()
            loss_fn(x[i:i + batch], y[i:i + batch]).backward()
            opt.step()
        sync()
        t0 = time.perf_counter()
        epoch()
        sync()
        dt = time.perf_counter() - t0
        print(json.dumps({'model': name, 'images_per_second': images / dt, 'threads': threads, 'torch': torch.__version__, 'device': device, 'device_name': name_of_device}), flush=True)


if __name__ == '__main__':
    main()
